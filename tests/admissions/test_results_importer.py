import io
from pathlib import Path

import pytest
from django.utils import translation

from matricule.admissions import reports, runs
from matricule.admissions.models import ImportRun, Result, ResultCode
from matricule.admissions.results_importer import COLUMN_LABELS, import_results
from matricule.audit.models import Event
from matricule.institution.models import Stage

from .conftest import counts as run_counts
from .conftest import issue_table, runner

SAMPLE = Path(__file__).parent / "data" / "resultats.csv"
HEADER = "numero_etudiant;annee;code_etape;resultat"


@pytest.fixture
def run_import(demo):
    """Import a results file (bytes or lines of text) into the current campaign; returns the run."""
    return runner(import_results, demo, "resultats.csv")


def imported():
    """Results written by an import (the demo seeds a few of its own), as plain tuples."""
    return sorted(
        Result.objects.filter(import_run__isnull=False).values_list(
            "student_number", "year_code", "stage__code", "result"
        )
    )


def counts(run):
    return run_counts(run, ("lines_read", "created", "updated", "unchanged", "rejected"))


SAMPLE_RESULTS = [
    ("24000001", "2023-2024", "GEII-1", "ADM"),
    ("24000002", "2023-2024", "GEII-1", "AJ"),
    ("24000003", "2023-2024", "GEII-2", "AJAC"),
    ("24000004", "2023-2024", "GEA-1", "EXC"),
    ("24000005", "2023-2024", "GEA-3", "DIP"),
]


def test_sample_has_stages_the_demo_seeds(demo):
    lines = SAMPLE.read_text().splitlines()[1:]
    codes = {line.split(";")[2] for line in lines}
    assert codes <= set(Stage.objects.values_list("code", flat=True))


def test_sample_reports_its_bad_line_and_imports_the_others(run_import, demo, administrator):
    run = run_import(SAMPLE.read_bytes(), user=administrator)

    assert (run.kind, run.status, run.academic_year, run.user) == (
        ImportRun.Kind.RESULTS,
        ImportRun.Status.DONE,
        demo.current_year,
        administrator,
    )
    assert issue_table(run) == [(7, "resultat", "error", "choice")]
    assert counts(run) == {"lines_read": 6, "created": 5, "updated": 0, "unchanged": 0, "rejected": 1}
    assert imported() == SAMPLE_RESULTS
    assert set(Result.objects.filter(import_run=run).values_list("student_number", flat=True)) == {
        number for number, *_rest in SAMPLE_RESULTS
    }
    assert len(run.checksum) == 64
    event = Event.objects.get(action="admissions.results_import.finished")
    assert (event.actor, event.object_id, event.data["created"], event.data["rejected"]) == (
        administrator,
        str(run.pk),
        5,
        1,
    )


def test_messages_say_where_and_why(run_import):
    run = run_import(SAMPLE.read_bytes())
    issue = run.issues.get()

    with translation.override("en"):
        assert issue.describe() == (
            "line 7, column resultat: “XYZ” is not one of the accepted values: ADM, AJAC, AJ, DEF, EXC, DIP."
        )
    assert issue.describe() == (
        "ligne 7, colonne resultat: « XYZ » ne fait pas partie des "
        "valeurs acceptées : ADM, AJAC, AJ, DEF, EXC, DIP."
    )
    assert issue.params["student_number"] == "24000006"
    lines = list(reports.report_lines(run))
    assert lines == [
        f"Import de resultats.csv dans {run.academic_year.code} : Terminé",
        "lignes lues: 6, créés: 5, mis à jour: 0, inchangés: 0, rejetés: 1",
        issue.describe(),
    ]


def test_same_file_twice_changes_nothing(run_import):
    first = run_import(SAMPLE.read_bytes())
    before = {r.pk: (r.result, r.updated_at, r.import_run_id) for r in Result.objects.all()}

    second = run_import(SAMPLE.read_bytes())

    assert counts(second) == {"lines_read": 6, "created": 0, "updated": 0, "unchanged": 5, "rejected": 1}
    assert issue_table(second) == [(7, "resultat", "error", "choice")]
    after = {r.pk: (r.result, r.updated_at, r.import_run_id) for r in Result.objects.all()}
    assert after == before
    assert set(Result.objects.filter(import_run__isnull=False).values_list("import_run", flat=True)) == {
        first.pk
    }


def test_a_changed_result_is_updated(run_import):
    run_import(SAMPLE.read_bytes())
    changed = SAMPLE.read_text().replace("24000002;2023-2024;GEII-1;AJ", "24000002;2023-2024;GEII-1;ADM")

    second = run_import(changed.encode())

    assert counts(second) == {"lines_read": 6, "created": 0, "updated": 1, "unchanged": 4, "rejected": 1}
    result = Result.objects.get(student_number="24000002")
    assert (result.result, result.import_run) == (ResultCode.ADM, second)
    assert Result.objects.filter(student_number="24000002").count() == 1


def test_a_result_in_another_year_or_stage_is_another_result(run_import):
    run_import([HEADER, "24000001;2023-2024;GEII-1;AJ"])

    run = run_import([HEADER, "24000001;2024-2025;GEII-1;ADM", "24000001;2023-2024;GEII-2;ADM"])

    assert counts(run)["created"] == 2
    assert imported() == [
        ("24000001", "2023-2024", "GEII-1", "AJ"),
        ("24000001", "2023-2024", "GEII-2", "ADM"),
        ("24000001", "2024-2025", "GEII-1", "ADM"),
    ]


@pytest.mark.parametrize(
    ("line", "column", "code"),
    [
        (";2023-2024;GEII-1;ADM", "numero_etudiant", "required"),
        ("24000001;;GEII-1;ADM", "annee", "required"),
        ("24000001;2023-2024;;ADM", "code_etape", "required"),
        ("24000001;2023-2024;GEII-1;", "resultat", "required"),
        ("24 000 001;2023-2024;GEII-1;ADM", "numero_etudiant", "student_number"),
        ("24000001-B;2023-2024;GEII-1;ADM", "numero_etudiant", "student_number"),
        ("240000012400000124000;2023-2024;GEII-1;ADM", "numero_etudiant", "too_long"),
        ("24000001;2023/2024;GEII-1;ADM", "annee", "year_code"),
        ("24000001;2023-2025;GEII-1;ADM", "annee", "year_code"),
        ("24000001;23-24;GEII-1;ADM", "annee", "year_code"),
        ("24000001;2023;GEII-1;ADM", "annee", "year_code"),
        ("24000001;2023-2024;GEII-9;ADM", "code_etape", "unknown_stage"),
        ("24000001;2023-2024;GEII-1;XYZ", "resultat", "choice"),
        ("24000001;2023-2024;GEII-1;ADMIS", "resultat", "choice"),
    ],
)
def test_each_validation_rejects_the_line_and_says_why(run_import, line, column, code):
    run = run_import([HEADER, line, "24000009;2023-2024;GEA-2;ADM"])

    assert issue_table(run) == [(2, column, "error", code)]
    assert counts(run)["rejected"] == 1
    assert imported() == [("24000009", "2023-2024", "GEA-2", "ADM")]
    assert run.status == ImportRun.Status.DONE
    assert run.issues.get().message != code  # every code has its message


def test_every_error_of_a_line_is_reported(run_import):
    run = run_import([HEADER, "2400/0001;2023;NOPE;?"])

    assert issue_table(run) == [
        (2, "numero_etudiant", "error", "student_number"),
        (2, "annee", "error", "year_code"),
        (2, "code_etape", "error", "unknown_stage"),
        (2, "resultat", "error", "choice"),
    ]
    assert counts(run)["rejected"] == 1


def test_codes_in_lower_case_and_letters_in_numbers_are_accepted(run_import):
    run = run_import([HEADER, "a24000001;2023-2024;geii-1;adm", " 24000002 ; 2023-2024 ; GEA-1 ; AJ "])

    assert issue_table(run) == []
    assert imported() == [
        ("24000002", "2023-2024", "GEA-1", "AJ"),
        ("a24000001", "2023-2024", "GEII-1", "ADM"),
    ]


def test_duplicate_lines_the_later_wins_with_a_warning(run_import):
    run = run_import(
        [
            HEADER,
            "24000001;2023-2024;GEII-1;AJ",
            "24000002;2023-2024;GEII-1;ADM",
            "24000001;2023-2024;GEII-1;ADM",
            "24000002;2023-2024;GEII-1;ADM",
        ]
    )

    assert issue_table(run) == [(4, "resultat", "warning", "duplicate_result")]
    issue = run.issues.get()
    assert issue.params["line"] == 2
    with translation.override("en"):
        assert issue.describe() == (
            "line 4, column resultat: Same student, year and stage as "
            "line 2 with a different result: this line replaces it."
        )
    assert imported() == [
        ("24000001", "2023-2024", "GEII-1", "ADM"),
        ("24000002", "2023-2024", "GEII-1", "ADM"),
    ]
    # The earlier line is written, then replaced; the repeated identical line changes nothing.
    assert counts(run) == {"lines_read": 4, "created": 2, "updated": 1, "unchanged": 1, "rejected": 0}


def test_header_with_byte_order_mark_extra_columns_and_another_order_windows_1252(run_import):
    content = (
        "\ufeffresultat;Nom;CODE_ETAPE;annee;numero_etudiant\r\n"
        "ADM;Lefèvre;GEII-1;2023-2024;24000001\r\n\r\n"
        "AJ;Dubois;GEA-1;2023-2024;24000002\r\n"
    )
    run = run_import(content.encode("utf-8"))
    assert issue_table(run) == []
    assert imported() == [
        ("24000001", "2023-2024", "GEII-1", "ADM"),
        ("24000002", "2023-2024", "GEA-1", "AJ"),
    ]

    again = run_import(content.replace("\ufeff", "").encode("cp1252"))
    assert counts(again) == {"lines_read": 2, "created": 0, "updated": 0, "unchanged": 2, "rejected": 0}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", [(None, "", "error", "file_empty")]),
        (b"\r\n;;;\r\n", [(None, "", "error", "file_empty")]),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00", [(None, "", "error", "file_not_text")]),
        (
            b"numero_etudiant,annee,code_etape,resultat\n24000001,2023-2024,GEII-1,ADM\n",
            [(1, "", "error", "file_separator")],
        ),
        (
            b"numero_etudiant;annee;etape;resultat\n24000001;2023-2024;GEII-1;ADM\n",
            [(1, "code_etape", "error", "column_missing")],
        ),
        (
            b"numero_etudiant;annee;code_etape;resultat;annee\n24000001;2023-2024;GEII-1;ADM;x\n",
            [(1, "annee", "error", "column_duplicate")],
        ),
    ],
)
def test_an_unusable_file_is_refused_as_a_whole(run_import, content, expected):
    run = run_import(content)

    assert run.status == ImportRun.Status.FAILED
    assert issue_table(run) == expected
    assert counts(run)["created"] == 0
    assert imported() == []


def test_batches_are_written_with_a_bounded_number_of_queries(
    run_import, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(runs, "BATCH_SIZE", 10)
    lines = [HEADER] + [f"2400{n:04d};2023-2024;GEII-1;ADM" for n in range(95)]
    lines.append("24000003;2023-2024;GEII-1;AJ")  # replaces a line of an earlier batch
    lines.append("24000099;2023-2024;GEII-1;BAD")

    # 11 batches of (savepoint, select, insert, the run's counts, release): about 5 queries per
    # 10 lines.
    with django_assert_max_num_queries(61):
        run = run_import(lines)

    assert counts(run) == {"lines_read": 97, "created": 95, "updated": 1, "unchanged": 0, "rejected": 1}
    assert [code for *_rest, code in issue_table(run)] == ["duplicate_result", "choice"]
    assert Result.objects.get(student_number="24000003").result == ResultCode.AJ


def test_the_file_may_not_be_seekable(demo):
    class Stream:
        def __init__(self, data):
            self.buffer = io.BytesIO(data)

        def read(self, size=-1):
            return self.buffer.read(size)

    run = import_results(Stream(SAMPLE.read_bytes()), academic_year=demo.current_year)

    assert counts(run)["created"] == 5


# --- Headers as student records systems and spreadsheets write them ----------------------

LABELLED = [(column, label) for column, labels in COLUMN_LABELS.items() for label in labels]


@pytest.mark.parametrize(("column", "label"), LABELLED, ids=[label for _column, label in LABELLED])
def test_each_label_of_a_column_is_read_as_the_column(run_import, column, label):
    header = ";".join(label if name == column else name for name in HEADER.split(";"))

    run = run_import([header, "24000001;2023-2024;GEII-1;ADM"])

    assert (run.status, run.created, issue_table(run), run.ignored_columns) == (
        ImportRun.Status.DONE,
        1,
        [],
        [],
    )
    assert imported() == [("24000001", "2023-2024", "GEII-1", "ADM")]


def test_an_export_with_french_labels_in_windows_1252(run_import):
    content = (
        "Décision du jury;NOM;Code étape;Année universitaire;N° étudiant\r\n"
        "ADM;LEFÈVRE;GEII-1;2023-2024;24000001\r\n"
        "AJ;DUBOIS;GEA-1;2023-2024;24000002\r\n"
    )

    run = run_import(content.encode("cp1252"))

    assert (issue_table(run), run.ignored_columns) == ([], ["NOM"])
    assert imported() == [
        ("24000001", "2023-2024", "GEII-1", "ADM"),
        ("24000002", "2023-2024", "GEA-1", "AJ"),
    ]


def test_a_missing_column_names_the_closest_header(run_import):
    run = run_import(["numero_etudiant;annee;etape;resultat;commentaire", "24000001;2023-2024;GEII-1;ADM;"])

    assert run.status == ImportRun.Status.FAILED
    issue = run.issues.get()
    assert (issue.code, issue.params) == ("column_missing", {"column": "code_etape", "closest": "etape"})
    assert run.ignored_columns == ["etape", "commentaire"]
    with translation.override("en"):
        assert list(reports.report_lines(run))[2:] == [
            "Columns ignored (not read by this import): etape, commentaire",
            "line 1, column code_etape: Required column “code_etape” is missing.",
            "  Closest header in the file: “etape”.",
        ]
