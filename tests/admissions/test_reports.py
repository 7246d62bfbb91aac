"""The plain-text report of an import run (matricule.admissions.reports), shared by the commands
and the back office."""

from django.utils import translation

from matricule.admissions.models import ImportRun
from matricule.admissions.reports import report_lines

from .conftest import HEADER, csv_line


def test_the_report_of_an_admissions_import_lists_its_counts_then_its_issues_in_line_order(
    run_import, sample_bytes
):
    run = run_import(sample_bytes)

    with translation.override("en"):
        lines = list(report_lines(run))

    assert lines[0] == f"Import of admis.csv into {run.academic_year.code}: Done"
    assert lines[1] == (
        "lines read: 7, created: 5, updated: 0, unchanged: 1, rejected: 1, "
        "unmapped offer code: 1, not accepted for good: 1"
    )
    assert [line.split(":")[0] for line in lines[2:]] == [
        "line 4, column date_naissance",
        "line 5, column code_situation",
        "line 7, column code_formation_psup",
    ]


def test_a_run_with_no_issue_and_no_file_name(run_import, demo):
    run = run_import("\n".join([HEADER, csv_line("1000001")]).encode(), file_name="")

    with translation.override("en"):
        assert list(report_lines(run)) == [
            f"Import of - into {demo.current_year.code}: Done",
            "lines read: 1, created: 1, updated: 0, unchanged: 0, rejected: 0, "
            "unmapped offer code: 0, not accepted for good: 0",
        ]


def test_a_failed_run_says_so_in_the_readers_language(run_import):
    run = run_import(b"")

    assert run.status == ImportRun.Status.FAILED
    assert list(report_lines(run))[0].endswith(": Échec")
    assert list(report_lines(run))[-1] == "Le fichier est vide."


def test_the_report_lists_the_ignored_headers_then_hints_under_their_issue(run_import):
    header = HEADER.replace("numero_parcoursup", "num_parcoursup") + ";Rang;Commentaire"

    run = run_import("\n".join([header, csv_line("1000001") + ";1;"]).encode())

    with translation.override("en"):
        lines = list(report_lines(run))
    assert lines[2:] == [
        "Columns ignored (not read by this import): num_parcoursup, Rang, Commentaire",
        "line 1, column numero_parcoursup: Required column “numero_parcoursup” is missing.",
        "  Closest header in the file: “num_parcoursup”.",
    ]


def test_no_line_about_ignored_headers_when_every_header_is_read(run_import):
    run = run_import("\n".join([HEADER, csv_line("1000001")]).encode())

    assert run.ignored_columns == []
    assert len(list(report_lines(run))) == 2
