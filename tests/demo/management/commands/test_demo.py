"""The demo command: seeds (or refreshes) the demo instance and prints how to try it."""

import re
import sqlite3
import stat

import pytest
from django.core.management import call_command

from matricule.accounts.models import ComponentMembership
from matricule.demo.continuing import CONTINUING, PASSWORD, cvec_number_for, student_number
from matricule.institution import models as m
from tests import processes
from tests.processes import clean_environment

MODELS = [
    m.University,
    m.Component,
    m.AcademicYear,
    m.Programme,
    m.Stage,
    m.RegistrationWindow,
    m.FeeSchedule,
    m.OfflinePopulation,
    m.AssistancePeriod,
    ComponentMembership,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_demo_is_idempotent_and_prints_logins(capsys):
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    output = capsys.readouterr().out
    assert "admin / matricule-admin" in output
    assert "agent.chartres / matricule-agent / iut-chartres" in output


@pytest.mark.django_db
def test_the_demo_prints_how_to_try_each_persona(capsys):
    call_command("demo")

    lines = capsys.readouterr().out.splitlines()
    year = m.AcademicYear.objects.current()
    last_year = m.AcademicYear.objects.get(code=f"{year.first_year - 1}-{year.first_year}")
    assert lines[0] == f"Demo ready: current campaign {year.code}, first registration open now."
    assert any(line.startswith("  Parcoursup number P") and "CVEC attestation " in line for line in lines)
    assert any(f"with password {PASSWORD}" in line for line in lines)
    for key, suffix, last, first, _sex, stage, result, activated in CONTINUING:
        line = next(line for line in lines if line.startswith(f"  {student_number(last_year, suffix)} "))
        assert line.startswith(
            f"  {student_number(last_year, suffix)} {first} {last}: {stage} {result or 'no result yet'}"
        )
        assert ("(account never activated)" in line) is not activated
        assert line.endswith(f"CVEC {cvec_number_for(year, key)}")


def test_demo_works_on_a_database_only_migrated(tmp_path):
    """`migrate` then `demo`, nothing else, on a new instance: migrate creates the database cache's
    table; the demo draws the payment simulator's secret of this instance."""
    environment = clean_environment(MATRICULE_VAR_DIR=str(tmp_path))

    def manage(*args):
        return processes.manage(*args, environment=environment, timeout=300)

    migrated = manage("migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(tmp_path / "matricule.sqlite3") as database:
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "matricule_cache" in tables
    demo = manage("demo")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith("Demo ready:")
    secret = tmp_path / "payment-simulator.secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}", secret.read_text().strip())
