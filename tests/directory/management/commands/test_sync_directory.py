"""`manage.py sync_directory` for a year: every registered student written again, cancelled ones
marked; refused without a directory or for an unknown year; failing when accounts failed."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from matricule.cvec.demo import seed_attestation
from matricule.demo.seed import cvec_number
from matricule.directory.models import DirectoryAccount
from matricule.registration import services as registration_services
from tests.accounts.conftest import admitted
from tests.registration.answers import ANSWERS


def run(*args) -> str:
    out = io.StringIO()
    call_command("sync_directory", *args, stdout=out)
    return out.getvalue()


def test_a_year_is_written_again_and_cancelled_students_marked(
    directory, register, django_capture_on_commit_callbacks
):
    chloe = register()
    year = chloe.academic_year
    ines = admitted(
        year,
        parcoursup_number="240099999",
        last_name="MARTIN",
        first_names="Inès",
        birth_date=datetime.date(2006, 5, 2),
        email="ines.martin@example.org",
        offer="GEA-1",
    )
    seed_attestation(
        number=cvec_number(year, ines),
        last_name="MARTIN",
        first_names="Inès",
        birth_date=ines.birth_date,
        ine=ANSWERS["ine"]["ine"],
        academic_year_code=year.code,
    )
    ines = register(ines)
    with django_capture_on_commit_callbacks(execute=True):
        registration_services.cancel_registration(ines, actor=None, reason="withdrawal")
    directory.empty_people()  # the directory lost everything

    assert "1 registered, 1 cancelled" in run("--year", year.code, "--dry-run")
    assert directory.entries("(objectClass=supannPerson)") == []

    assert "2 synced" in run("--year", year.code)
    chloe_entry = directory.entry(f"(supannEtuId={chloe.student.student_number})")
    ines_entry = directory.entry(f"(supannEtuId={ines.student.student_number})")
    assert "student" in chloe_entry["eduPersonAffiliation"].values
    assert ines_entry["eduPersonAffiliation"].values == ["alum"]
    assert set(DirectoryAccount.objects.values_list("state", flat=True)) == {"synced"}


def test_the_command_refuses_without_a_directory_or_an_unknown_year(settings, demo, directory):
    with pytest.raises(CommandError):
        run("--year", "1999-2000")
    settings.MATRICULE_LDAP_URL = ""
    with pytest.raises(CommandError):
        run("--year", demo.current_year.code)


def test_failures_make_the_command_fail(directory_down, register):
    registration = register()
    with pytest.raises(CommandError):
        run("--year", registration.academic_year.code)
    assert DirectoryAccount.objects.get().state == "failed"
