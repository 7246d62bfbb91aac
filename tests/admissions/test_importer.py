import io

import pytest
from django.utils import translation

from matricule.admissions.importer import COLUMN_LABELS, import_file
from matricule.admissions.models import Candidate, ImportRun, Situation
from matricule.audit.models import Event
from matricule.institution.models import Stage

from .conftest import HEADER, SAMPLE_AGAIN, SAMPLE_FIRST, counts, csv_line, imported, issue_table

SAMPLE_ISSUES = [
    (4, "date_naissance", "error", "date_impossible"),
    (5, "code_situation", "warning", "not_accepted"),
    (7, "code_formation_psup", "warning", "unmapped"),
]


def test_sample_reports_exactly_its_bad_lines_and_imports_the_others(run_import, sample_bytes):
    run = run_import(sample_bytes)

    assert run.status == ImportRun.Status.DONE
    assert issue_table(run) == SAMPLE_ISSUES
    assert counts(run) == SAMPLE_FIRST
    assert len(run.checksum) == 64
    assert sorted(imported().values_list("parcoursup_number", flat=True)) == [
        "1234567",
        "1234569",
        "1234570",
        "1234571",
        "240012346",
    ]


def test_sample_values_are_stored_normalised(run_import, sample_bytes):
    run_import(sample_bytes)

    chloe = Candidate.objects.get(parcoursup_number="1234567")
    assert (chloe.last_name, chloe.first_names) == ("LEFÈVRE", "Chloé")
    assert chloe.address == "12 rue des Écuyers"
    assert chloe.ine == "0494004062M"
    assert chloe.birth_date.isoformat() == "2006-03-14"
    assert chloe.stage == Stage.objects.get(code="GEII-1")
    assert chloe.situation == Situation.ACCEPTED and chloe.may_register
    assert chloe.grant_holder_hint is False
    assert chloe.bac_year == 2024

    moussa = Candidate.objects.get(parcoursup_number="240012346")  # given as P240012346
    assert moussa.grant_holder_hint is True

    ines = Candidate.objects.get(parcoursup_number="1234570")
    assert ines.email == "INES.GARCIA@Example.org"  # as given…
    assert ines.email_lower == "ines.garcia@example.org"  # …and matched case-insensitively
    assert ines.phase == "complementaire"

    refused = Candidate.objects.get(parcoursup_number="1234569")
    assert refused.situation == Situation.REFUSED and not refused.may_register

    unmapped = Candidate.objects.get(parcoursup_number="1234571")
    assert unmapped.stage is None and unmapped.parcoursup_offer_code == "XXX-9"


def test_messages_say_where_and_why(run_import, sample_bytes):
    run = run_import(sample_bytes)

    with translation.override("en"):
        lines = [issue.describe() for issue in run.issues.order_by("line_number")]
    assert lines[0] == "line 4, column date_naissance: “31/02/2006” is not a real date."
    assert lines[1].startswith("line 5, column code_situation: Situation 3 (Refused or withdrawn)")
    assert lines[2].startswith("line 7, column code_formation_psup: Offer code “XXX-9” is not mapped")


def test_same_file_twice_changes_nothing(run_import, sample_bytes):
    first = run_import(sample_bytes)
    before = {c.pk: (c.updated_at, c.source_checksum) for c in imported()}

    second = run_import(sample_bytes)

    assert counts(second) == SAMPLE_AGAIN
    assert issue_table(second) == SAMPLE_ISSUES  # the file still has its bad lines
    assert {c.pk: (c.updated_at, c.source_checksum) for c in imported()} == before
    assert second.checksum == first.checksum
    assert ImportRun.objects.count() == 2


def test_newer_file_updates_and_never_duplicates(run_import, sample_bytes):
    run_import(sample_bytes)
    newer = sample_bytes.replace(b"chloe.lefevre@example.org", b"chloe.l@example.org").replace(
        b";0370035M;GEA-1;3;", b";0370035M;GEA-1;1;"
    )
    newer += b"1234999;;ROUX;Jean;M;05/05/2006;jean.roux@example.org;;;;;;;;;;;;;MP-1;1;;;\n"

    run = run_import(newer)

    assert counts(run) == {
        "lines_read": 8,
        "created": 1,
        "updated": 2,
        "unchanged": 4,
        "rejected": 1,
        "unmapped": 1,
        "not_accepted": 0,
    }
    assert imported().count() == 6
    chloe = Candidate.objects.get(parcoursup_number="1234567")
    assert chloe.email == "chloe.l@example.org" and chloe.last_import_run == run
    assert Candidate.objects.get(parcoursup_number="1234569").situation == Situation.ACCEPTED


def test_mapping_an_offer_code_later_then_importing_again_sets_the_stage(run_import, sample_bytes):
    run_import(sample_bytes)
    Stage.objects.filter(code="GMP-1").update(parcoursup_code="XXX-9")

    run = run_import(sample_bytes)

    assert (run.updated, run.unmapped) == (1, 0)
    assert Candidate.objects.get(parcoursup_number="1234571").stage.code == "GMP-1"


def test_windows_1252_file(run_import, sample_bytes):
    text = sample_bytes.decode("utf-8-sig")
    run = run_import(text.replace("\n", "\r\n").encode("cp1252"))

    assert issue_table(run) == SAMPLE_ISSUES
    assert Candidate.objects.get(parcoursup_number="1234567").last_name == "LEFÈVRE"
    # Same data as the UTF-8 file: importing that one afterwards changes nothing.
    assert run_import(sample_bytes).unchanged == 6


def test_byte_order_mark_on_a_windows_1252_file(run_import, sample_bytes):
    text = sample_bytes.decode("utf-8-sig")
    run = run_import(b"\xef\xbb\xbf" + text.encode("cp1252"))

    assert (run.status, run.created) == (ImportRun.Status.DONE, 5)
    assert Candidate.objects.get(parcoursup_number="1234570").first_names == "Inès"


def test_utf8_without_bom_column_order_case_and_unknown_columns(run_import):
    content = (
        "Code_Situation;EMAIL;Nom;Prenom;Date_Naissance;commentaire;"
        "Numero_Parcoursup;Code_Formation_Psup\n"
        "1;a.b@example.org;ÉLOI;Anaïs;29/02/2008;peu importe;p250000001;gea-1\n"
    )
    run = run_import(content.encode())

    assert (run.status, run.created, run.rejected) == (ImportRun.Status.DONE, 1, 0)
    candidate = imported().get()
    assert (candidate.parcoursup_number, candidate.last_name) == ("250000001", "ÉLOI")
    assert candidate.stage.code == "GEA-1"  # offer codes match whatever their case


def test_missing_required_column_rejects_the_whole_file(run_import, sample_bytes):
    content = sample_bytes.replace(b";code_situation;", b";situation;")

    run = run_import(content)

    assert run.status == ImportRun.Status.FAILED
    assert issue_table(run) == [(1, "code_situation", "error", "column_missing")]
    assert run.lines_read == 0
    assert not imported().exists()
    with translation.override("en"):
        assert run.issues.get().describe() == (
            "line 1, column code_situation: Required column “code_situation” is missing."
        )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "file_empty"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "file_not_text"),
        (b"numero_parcoursup,nom,prenom\n1,A,B\n", "file_separator"),
    ],
)
def test_unusable_files_fail_with_a_reason(run_import, content, code):
    run = run_import(content)

    assert run.status == ImportRun.Status.FAILED
    assert [issue.code for issue in run.issues.all()] == [code]
    assert not imported().exists()


def test_each_bad_value_is_reported_with_its_column(run_import):
    lines = [
        HEADER,
        csv_line("P24X"),
        csv_line("1000001", birth="2006-01-02"),
        csv_line("1000002", email="not-an-email"),
        csv_line("1000003", situation="7"),
        csv_line("1000004", sexe="X", boursier="peut-être", phase="tardive", bac_annee="24"),
        csv_line("1000005", last_name="", date_reponse="32/01/2024"),
        csv_line("1000006", last_name="L" * 101),
        csv_line("1000007", ine="pas-un-ine"),
        csv_line("1000008"),
    ]
    run = run_import("\n".join(lines).encode())

    assert issue_table(run) == [
        (2, "numero_parcoursup", "error", "parcoursup_number"),
        (3, "date_naissance", "error", "date_format"),
        (4, "email", "error", "email"),
        (5, "code_situation", "error", "choice"),
        (6, "sexe", "error", "choice"),
        (6, "boursier", "error", "choice"),
        (6, "phase", "error", "choice"),
        (6, "bac_annee", "error", "year"),
        (7, "nom", "error", "required"),
        (7, "date_reponse", "error", "date_impossible"),
        (8, "nom", "error", "too_long"),
        (9, "ine", "warning", "ine"),
    ]
    assert (run.lines_read, run.rejected, run.created) == (9, 7, 2)
    assert Candidate.objects.get(parcoursup_number="1000007").ine == ""
    assert run.issues.get(line_number=2).parcoursup_number == "P24X"


def test_line_numbers_count_blank_and_multi_line_rows_as_a_spreadsheet_does(run_import):
    content = "\n".join(
        [
            HEADER,
            csv_line("1000001", adresse='"Bât. B\nRésidence du Lac"'),
            "",
            csv_line("1000002", birth="30/02/2006"),
        ]
    )
    run = run_import(content.encode())

    assert issue_table(run) == [(4, "date_naissance", "error", "date_impossible")]
    assert Candidate.objects.get(parcoursup_number="1000001").address == "Bât. B\nRésidence du Lac"


def test_repeated_number_with_different_data_keeps_the_last_line(run_import):
    content = "\n".join([HEADER, csv_line("1000001"), csv_line("P1000001", first_name="Zoë")])

    run = run_import(content.encode())

    assert issue_table(run) == [(3, "numero_parcoursup", "warning", "duplicate_number")]
    assert (run.created, run.updated) == (1, 1)
    assert imported().get().first_names == "Zoë"


def test_same_numbers_in_another_year_are_other_candidates(run_import, sample_bytes, year_2024):
    run_import(sample_bytes)
    run_import(sample_bytes, academic_year=year_2024)

    assert imported().count() == 10
    assert imported(academic_year=year_2024).count() == 5


def test_many_lines_go_through_several_batches(run_import, monkeypatch):
    monkeypatch.setattr("matricule.admissions.runs.BATCH_SIZE", 7)
    lines = [HEADER] + [csv_line(f"P24{n:07d}", email=f"c{n}@example.org") for n in range(50)]
    lines.append(csv_line("P240000003", email="c3@example.org"))  # identical, in a later batch
    content = "\n".join(lines).encode()

    run = run_import(content)
    assert (run.created, run.unchanged, run.issues.count()) == (50, 1, 0)
    assert run_import(content).unchanged == 51


def test_non_seekable_stream_is_read(demo, sample_bytes):
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    run = import_file(Pipe(sample_bytes), academic_year=demo.current_year)
    assert run.created == 5


def test_run_records_who_and_an_audit_event(run_import, sample_bytes, administrator):
    run = run_import(sample_bytes, user=administrator, file_name="admis.csv")

    assert (run.user, run.file_name, run.finished_at is not None) == (administrator, "admis.csv", True)
    event = Event.objects.get(action="admissions.import.finished")
    assert event.actor == administrator and event.data["created"] == 5


# --- Headers as spreadsheets and establishments' exports write them ----------------------

# Every column with a value, so that a column not read would change the stored data.
FULL_VALUES = {"ine": "0494004062M", "telephone": "0612345678", "adresse": "12 rue des Écuyers"}
LABELLED = [(column, label) for column, labels in COLUMN_LABELS.items() for label in labels]


@pytest.mark.parametrize(("column", "label"), LABELLED, ids=[label for _column, label in LABELLED])
def test_each_label_of_a_column_is_read_as_the_column(run_import, column, label):
    line = csv_line("1000001", bac_mention="Bien", **FULL_VALUES)
    run_import("\n".join([HEADER, line]).encode())
    header = ";".join(label if name == column else name for name in HEADER.split(";"))

    run = run_import("\n".join([header, line]).encode())

    # Read exactly as under its name: the candidate stored by the first import is unchanged.
    assert (run.status, run.unchanged, run.created, run.updated) == (ImportRun.Status.DONE, 1, 0, 0)
    assert (issue_table(run), run.ignored_columns) == ([], [])


def test_an_export_with_french_labels_imports_like_the_documented_format(run_import, sample_bytes):
    run_import(sample_bytes)
    french = (
        "N° Parcoursup;INE;Nom de naissance;Prénom(s);Sexe;Date de naissance;Adresse électronique;"
        "Téléphone portable;Commune de naissance;Pays de naissance;Nationalité;Adresse postale;"
        "Code postal;Ville;Pays;Année du bac;Série du bac;Mention au bac;UAI du lycée;Code formation;"
        "Code situation;Date de réponse;Phase;Boursier;Rang;Formation"
    )
    lines = sample_bytes.decode("utf-8-sig").splitlines()
    content = "\r\n".join([french] + [f"{line};1;BUT" for line in lines[1:]])

    run = run_import(content.encode("cp1252"))

    assert counts(run) == SAMPLE_AGAIN
    assert issue_table(run) == SAMPLE_ISSUES
    # `Code formation` is read, `Formation` (the offer's name) ignored with `Rang`.
    assert run.ignored_columns == ["Rang", "Formation"]


def test_a_column_under_its_name_wins_over_a_label_as_before_labels(run_import):
    header = HEADER + ";Nom de naissance"
    run = run_import("\n".join([header, csv_line("1000001") + ";MARTIN"]).encode())

    assert (run.created, issue_table(run)) == (1, [])
    assert imported().get().last_name == "DURAND"
    assert run.ignored_columns == ["Nom de naissance"]


def test_a_missing_column_is_reported_with_the_closest_header_and_the_ignored_ones(run_import, sample_bytes):
    content = sample_bytes.replace(b";date_naissance;", b";date_naissace;").replace(b";boursier", b";Rang")

    run = run_import(content)

    assert run.status == ImportRun.Status.FAILED
    issue = run.issues.get()
    assert (issue.code, issue.params) == (
        "column_missing",
        {"column": "date_naissance", "closest": "date_naissace"},
    )
    assert run.ignored_columns == ["date_naissace", "Rang"]
    with translation.override("en"):
        assert issue.hint == "Closest header in the file: “date_naissace”."


@pytest.mark.parametrize(
    ("birth", "code", "params"),
    [
        ("15/13/2006", "date_month", {"value": "15/13/2006", "month": 13}),
        ("03/15/2006", "date_month", {"value": "03/15/2006", "month": 15}),  # written month first
        ("14/00/2006", "date_month", {"value": "14/00/2006", "month": 0}),
        ("31/02/2006", "date_impossible", {"value": "31/02/2006"}),
        ("31/04/2006", "date_impossible", {"value": "31/04/2006"}),
        ("29/02/2006", "date_impossible", {"value": "29/02/2006"}),
        ("00/02/2006", "date_impossible", {"value": "00/02/2006"}),
        ("2006-02-14", "date_format", {"value": "2006-02-14"}),
        ("14/02/06", "date_format", {"value": "14/02/06"}),
    ],
)
def test_an_impossible_date_is_told_apart_from_a_wrong_format(run_import, birth, code, params):
    run = run_import("\n".join([HEADER, csv_line("1000001", birth=birth)]).encode())

    issue = run.issues.get()
    assert (issue.column, issue.code, issue.params) == ("date_naissance", code, params)


def test_an_impossible_answer_date_says_which_part_is_wrong(run_import):
    run = run_import("\n".join([HEADER, csv_line("1000001", date_reponse="10/13/2024 14:32")]).encode())

    issue = run.issues.get()
    assert (issue.column, issue.code, issue.params["month"]) == ("date_reponse", "date_month", 13)
    with translation.override("en"):
        assert issue.message == (
            "“10/13/2024 14:32” is not a real date: there is no month 13 (dates are written day "
            "first, DD/MM/YYYY)."
        )


@pytest.mark.parametrize(
    ("number", "code", "params"),
    [
        ("P0000000", "parcoursup_number_zero", {"value": "P0000000"}),
        ("0", "parcoursup_number_zero", {"value": "0"}),
        (
            "1234567890123456",
            "parcoursup_number_long",
            {"value": "1234567890123456", "digits": 16, "max": 15},
        ),
        ("P24X", "parcoursup_number", {"value": "P24X"}),
        ("24 000", "parcoursup_number", {"value": "24 000"}),
    ],
)
def test_an_impossible_parcoursup_number_is_told_apart_from_a_wrong_one(run_import, number, code, params):
    run = run_import("\n".join([HEADER, csv_line(number)]).encode())

    issue = run.issues.get()
    assert (issue.column, issue.code, issue.params) == ("numero_parcoursup", code, params)
    assert issue.message != code  # every code has its message


def test_a_number_with_leading_zeros_is_no_longer_than_its_digits(run_import):
    # Leading zeros carry no meaning: fifteen digits after them are a number.
    run = run_import("\n".join([HEADER, csv_line("000123456789012345")]).encode())

    assert (run.created, issue_table(run)) == (1, [])
