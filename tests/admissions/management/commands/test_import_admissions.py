"""The import_admissions command: a CSV file of admitted candidates, or the Parcoursup web service
(--from-api), into the current campaign or a given year, with the report printed."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from matricule.admissions.models import Candidate, ImportRun
from tests.admissions.conftest import ESTABLISHMENT, LOGIN, PASSWORD, imported


def run_command(*args):
    from io import StringIO

    out = StringIO()
    with translation.override("en"):
        call_command("import_admissions", *args, stdout=out)
    return out.getvalue().splitlines()


def test_command_imports_into_the_current_year_and_prints_the_report(demo, tmp_path, sample_bytes):
    path = tmp_path / "admis.csv"
    path.write_bytes(sample_bytes)

    lines = run_command(str(path))

    assert lines[0] == f"Import of admis.csv into {demo.current_year.code}: Done"
    assert lines[1] == (
        "lines read: 7, created: 5, updated: 0, unchanged: 1, rejected: 1, "
        "unmapped offer code: 1, not accepted for good: 1"
    )
    assert lines[2] == "line 4, column date_naissance: “31/02/2006” is not a real date."
    assert lines[3].startswith("line 5, column code_situation: Situation 3 ")
    assert lines[4].startswith("line 7, column code_formation_psup: Offer code “XXX-9” ")
    assert len(lines) == 5
    assert imported(academic_year=demo.current_year).count() == 5


def test_command_takes_a_year(demo, year_2024, tmp_path, sample_bytes):
    path = tmp_path / "admis.csv"
    path.write_bytes(sample_bytes)

    run_command(str(path), "--year", "2024-2025")

    assert ImportRun.objects.get().academic_year == year_2024
    assert imported(academic_year=year_2024).count() == 5


def test_command_fails_on_an_unusable_file(demo, tmp_path, sample_bytes):
    path = tmp_path / "admis.csv"
    path.write_bytes(sample_bytes.replace(b"numero_parcoursup;", b"numero;"))

    with pytest.raises(CommandError, match="import failed"):
        run_command(str(path))
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/admis.csv"], "Cannot read"),
        (["admis.csv", "--year", "1999-2000"], "No academic year 1999-2000"),
    ],
)
def test_command_errors(demo, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)


def test_import_command_from_the_web_service(demo, fake_parcoursup, settings, capsys):
    from django.core.management import call_command

    settings.PARCOURSUP_API = {
        "login": LOGIN,
        "password": PASSWORD,
        "establishment_code": ESTABLISHMENT,
        "endpoint": fake_parcoursup,
    }
    call_command("import_admissions", "--from-api")
    assert Candidate.objects.filter(parcoursup_number="990012345").exists()
    assert "enregistrement 3, colonne date_naissance" in capsys.readouterr().out


def test_import_command_without_web_service_configuration_says_so(demo, settings):
    from django.core.management import CommandError, call_command

    settings.PARCOURSUP_API = {"login": "", "password": "", "establishment_code": ""}
    with pytest.raises(CommandError, match="not configured"):
        call_command("import_admissions", "--from-api")


# --- In the background ------------------------------------------------------------------------


def test_command_in_the_background_queues_the_run_and_says_where_to_follow_it(
    demo, tmp_path, sample_bytes, waiting_tasks
):
    path = tmp_path / "admis.csv"
    path.write_bytes(sample_bytes)

    lines = run_command(str(path), "--background")

    run = ImportRun.objects.get()
    assert (run.status, run.file_name, run.academic_year, run.user) == (
        "queued",
        "admis.csv",
        demo.current_year,
        None,
    )
    assert run.stored_file.startswith("imports/")
    assert lines == [
        f"Import run {run.pk} queued; its progress: /admin/admissions/importrun/{run.pk}/progress/"
    ]
    assert not imported().exists()


def test_command_in_the_background_is_imported_by_the_task(
    demo, tmp_path, sample_bytes, django_capture_on_commit_callbacks
):
    path = tmp_path / "admis.csv"
    path.write_bytes(sample_bytes)

    with django_capture_on_commit_callbacks(execute=True):
        run_command(str(path), "--background", "--year", demo.current_year.code)

    run = ImportRun.objects.get()
    assert (run.status, run.created, run.stored_file) == ("done", 5, "")
    assert imported(academic_year=demo.current_year).count() == 5


def test_command_in_the_background_needs_a_readable_file_and_no_web_service(demo):
    with pytest.raises(CommandError, match="Cannot read"):
        run_command("/nonexistent/admis.csv", "--background")
    with pytest.raises(CommandError, match="does not go with --from-api"):
        run_command("--from-api", "--background")
    assert not ImportRun.objects.exists()
