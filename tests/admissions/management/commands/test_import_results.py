"""The import_results command: last year's results from a CSV file, with the report printed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from matricule.admissions.models import ImportRun, Result
from tests.admissions.conftest import DATA

SAMPLE = DATA / "resultats.csv"


def run_command(*args):
    out = StringIO()
    with translation.override("en"):
        call_command("import_results", *args, stdout=out)
    return out.getvalue().splitlines()


def imported_numbers():
    return sorted(Result.objects.filter(import_run__isnull=False).values_list("student_number", flat=True))


def test_command_imports_into_the_current_campaign_and_prints_the_report(demo, tmp_path):
    path = tmp_path / "resultats.csv"
    path.write_bytes(SAMPLE.read_bytes())

    lines = run_command(str(path))

    assert lines == [
        f"Import of resultats.csv into {demo.current_year.code}: Done",
        "lines read: 6, created: 5, updated: 0, unchanged: 0, rejected: 1",
        "line 7, column resultat: “XYZ” is not one of the accepted values: ADM, AJAC, AJ, DEF, EXC, DIP.",
    ]
    run = ImportRun.objects.get()
    assert (run.kind, run.academic_year, run.file_name) == (
        ImportRun.Kind.RESULTS,
        demo.current_year,
        "resultats.csv",
    )
    assert imported_numbers() == ["24000001", "24000002", "24000003", "24000004", "24000005"]


def test_command_run_again_changes_nothing(demo, tmp_path):
    path = tmp_path / "resultats.csv"
    path.write_bytes(SAMPLE.read_bytes())
    run_command(str(path))

    lines = run_command(str(path))

    assert lines[1] == "lines read: 6, created: 0, updated: 0, unchanged: 5, rejected: 1"
    assert len(imported_numbers()) == 5


def test_command_takes_the_campaign_year(demo, year_2024, tmp_path):
    path = tmp_path / "resultats.csv"
    path.write_bytes(SAMPLE.read_bytes())

    run_command(str(path), "--year", "2024-2025")

    assert ImportRun.objects.get().academic_year == year_2024
    # Each result keeps the year written in the file.
    assert set(Result.objects.filter(import_run__isnull=False).values_list("year_code", flat=True)) == {
        "2023-2024"
    }


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "The file is empty."),
        (
            SAMPLE.read_bytes().replace(b"code_etape", b"etape"),
            "line 1, column code_etape: Required column “code_etape” is missing.",
        ),
        (SAMPLE.read_bytes().replace(b";", b","), "line 1: The columns must be separated by semicolons (;)."),
    ],
)
def test_command_fails_on_an_unusable_file(demo, tmp_path, content, reason):
    path = tmp_path / "resultats.csv"
    path.write_bytes(content)
    out = StringIO()

    with pytest.raises(CommandError, match="import failed"), translation.override("en"):
        call_command("import_results", str(path), stdout=out)

    assert reason in out.getvalue().splitlines()
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    assert imported_numbers() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/resultats.csv"], "Cannot read"),
        ([str(SAMPLE), "--year", "1999-2000"], "No academic year 1999-2000"),
    ],
)
def test_command_errors(demo, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert not ImportRun.objects.exists()


def test_command_needs_a_current_year_or_one_given(db):
    with pytest.raises(CommandError, match="No current academic year"):
        run_command(str(SAMPLE))


def test_command_in_the_background_queues_the_run_then_the_task_imports_it(demo, tmp_path, waiting_tasks):
    from matricule.admissions.tasks import import_queued_run

    path = tmp_path / "resultats.csv"
    path.write_bytes(SAMPLE.read_bytes())

    lines = run_command(str(path), "--background")

    run = ImportRun.objects.get()
    assert (run.kind, run.status, run.file_name) == (ImportRun.Kind.RESULTS, "queued", "resultats.csv")
    assert lines == [
        f"Import run {run.pk} queued; its progress: /admin/admissions/importrun/{run.pk}/progress/"
    ]
    assert import_queued_run.call(run.pk) == "done"
    assert imported_numbers() == ["24000001", "24000002", "24000003", "24000004", "24000005"]
