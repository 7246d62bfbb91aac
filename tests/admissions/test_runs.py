"""The runner both imports share: its lifecycle table and what it does on an unexpected error."""

import io

import pytest

from matricule.admissions import importer, runs
from matricule.admissions.models import ImportRun
from matricule.admissions.results_importer import import_results


@pytest.mark.parametrize("end", [runs.finish, runs.fail])
@pytest.mark.parametrize("status", [ImportRun.Status.DONE, ImportRun.Status.FAILED])
def test_a_run_ends_only_once(end, status):
    run = ImportRun(status=status)

    with pytest.raises(runs.TransitionError):
        end(run)

    assert (run.status, run.finished_at) == (status, None)


def test_a_queued_run_is_taken_once_then_ends_once():
    assert runs.TRANSITIONS[ImportRun.Status.QUEUED] == {ImportRun.Status.RUNNING, ImportRun.Status.FAILED}
    assert set(runs.TRANSITIONS) == set(ImportRun.Status.values)
    assert set().union(*runs.TRANSITIONS.values()) <= set(ImportRun.Status.values)
    assert not runs.TRANSITIONS.can_go(ImportRun.Status.RUNNING, ImportRun.Status.QUEUED)


def test_claim_takes_a_queued_run_and_takes_up_again_one_left_running(demo):
    run = runs.queue(
        kind="admissions", academic_year=demo.current_year, user=None, file_name="f.csv", stored_file=""
    )

    taken = runs.claim(run.pk)

    assert (taken.pk, taken.status) == (run.pk, ImportRun.Status.RUNNING)
    ImportRun.objects.filter(pk=run.pk).update(lines_read=7, created=3)
    # Found running: its worker died (the queue hands a task over only then): from the start.
    again = runs.claim(run.pk)
    assert (again.status, again.lines_read, again.created) == (ImportRun.Status.RUNNING, 0, 0)
    runs.finish(again)
    assert runs.claim(run.pk) is None  # over: left alone
    assert runs.claim(run.pk + 1000) is None


@pytest.mark.parametrize(
    ("content", "data_lines"),
    [(b"", 0), (b"header", 0), (b"header\n", 0), (b"header\r\n1\r\n2\r\n", 2), (b"header\n1\n2", 2)],
)
def test_the_file_is_inspected_in_one_pass_with_its_lines_after_the_header(content, data_lines):
    facts = runs.inspect_file(io.BytesIO(content))

    assert facts.data_lines == data_lines
    assert facts.size == len(content)


def test_the_counts_are_written_after_each_batch_for_the_progress_page(demo, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 10)
    seen = []
    save = runs.BatchImporter.save_progress

    def save_and_look(self):
        save(self)
        # What another connection (the progress page) reads once the batch commits.
        seen.append(ImportRun.objects.filter(pk=self.run.pk).values_list("lines_read", "created").get())

    monkeypatch.setattr(runs.BatchImporter, "save_progress", save_and_look)
    header = "numero_parcoursup;nom;prenom;date_naissance;email;code_formation_psup;code_situation"
    lines = [f"{1000000 + n};DURAND;Zoé;01/02/2006;z{n}@example.org;GEII-1;1" for n in range(25)]
    content = "\n".join([header, *lines]).encode()

    run = importer.import_file(io.BytesIO(content), academic_year=demo.current_year)

    assert seen == [(10, 10), (20, 20), (25, 25)]  # one UPDATE per batch
    assert (run.status, run.lines_total, run.lines_read, run.created) == (ImportRun.Status.DONE, 25, 25, 25)


def test_an_unexpected_error_fails_the_run_and_is_raised(demo, monkeypatch, sample_bytes):
    def broken(self, line, row):
        raise RuntimeError("boom")

    monkeypatch.setattr(importer._RowChecker, "check", broken)

    with pytest.raises(RuntimeError, match="boom"):
        importer.import_file(io.BytesIO(sample_bytes), academic_year=demo.current_year)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.finished_at is not None


def test_the_results_import_goes_through_the_same_lifecycle(demo):
    run = import_results(io.BytesIO(b""), academic_year=demo.current_year, file_name="vide.csv")

    assert (run.kind, run.status, run.file_name) == (
        ImportRun.Kind.RESULTS,
        ImportRun.Status.FAILED,
        "vide.csv",
    )
    assert run.finished_at is not None
    assert [issue.code for issue in run.issues.all()] == ["file_empty"]


# --- Matching the header ------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "date_naissance",
        "DATE_NAISSANCE",
        "  Date naissance ",
        "date-naissance",
        "Date\u00a0naissance",  # a no-break space, as French spreadsheets write
        "\ufeffDate naissance",
        "ï»¿date_naissance",  # the mark of a UTF-8 file read as Windows-1252
        "DÂTE NÄÎSSANCE",
    ],
)
def test_labels_are_compared_without_case_accents_spaces_hyphens_underscores_or_mark(label):
    assert runs.fold(label) == "datenaissance"


def test_curly_apostrophes_are_straight():
    assert runs.fold("Numéro d’étudiant") == runs.fold("numero d'etudiant") == "numerod'etudiant"


COLUMNS = runs.Columns(
    ("numero", "nom", "offre"),
    ("telephone",),
    labels={"nom": ("Nom de naissance",), "offre": ("Code formation", "Formation"), "telephone": ("Tél",)},
)


def match(header: str):
    return COLUMNS.match(header.split(";"), 1)


def file_error(header: str) -> runs.FileError:
    with pytest.raises(runs.FileError) as raised:
        match(header)
    return raised.value


def issues_of(error: runs.FileError):
    return [(issue.code, issue.column, issue.params) for issue in error.issues]


def test_each_header_names_its_column_or_is_ignored():
    columns, ignored = match("Numéro;Rang;Nom de naissance;;code_formation;Commentaire")

    assert columns == ["numero", None, "nom", None, "offre", None]
    assert ignored == ["Rang", "Commentaire"]  # the blank header is no column at all


def test_when_headers_name_a_column_twice_the_name_wins_then_the_labels_in_order():
    columns, ignored = match("Formation;numero;Nom de naissance;nom;Code formation")

    assert columns == [None, "numero", None, "nom", "offre"]
    assert ignored == ["Formation", "Nom de naissance"]


def test_the_same_name_twice_is_refused_as_before():
    error = file_error("numero;nom;offre;NOM")

    assert issues_of(error) == [("column_duplicate", "nom", {"column": "nom"})]


def test_a_required_column_labelled_twice_alike_is_refused_with_the_label():
    error = file_error("numero;Nom de naissance;offre;NOM DE NAISSANCE")

    assert issues_of(error) == [("column_duplicate", "nom", {"column": "Nom de naissance"})]


def test_an_optional_column_labelled_twice_alike_is_ignored():
    # Such a file imported before labels were read: it still does, without the column.
    columns, ignored = match("numero;nom;offre;Tél;TÉL")

    assert columns == ["numero", "nom", "offre", None, None]
    assert ignored == ["Tél", "TÉL"]


def test_a_missing_column_names_the_closest_header_when_close_enough():
    error = file_error("numro;Nom;Code formaton;Rang")

    # A letter off the column's name, or off one of its labels; `Rang` is like neither.
    assert issues_of(error) == [
        ("column_missing", "numero", {"column": "numero", "closest": "numro"}),
        ("column_missing", "offre", {"column": "offre", "closest": "Code formaton"}),
    ]
    assert error.ignored_columns == ["numro", "Code formaton", "Rang"]


def test_no_closest_header_when_none_is_close_enough():
    error = file_error("numero;non;offre")

    assert issues_of(error) == [("column_missing", "nom", {"column": "nom"})]


def test_a_header_cut_with_commas_is_a_separator_error_without_ignored_columns():
    error = file_error("numero,nom,offre")

    assert issues_of(error) == [("file_separator", "", {})]
    assert error.ignored_columns == []


def test_labels_that_would_name_two_columns_are_refused():
    with pytest.raises(ValueError, match="'nom'"):
        runs.Columns(("nom", "prenom"), labels={"prenom": ("NOM",)})
    with pytest.raises(ValueError, match="not a column"):
        runs.Columns(("nom",), labels={"prenom": ("Prénom",)})


def test_ignored_headers_are_kept_within_bounds():
    header = ";".join(["numero", "nom", "offre", "x" * 300, *(f"extra {n}" for n in range(300))])

    _columns, ignored = match(header)

    assert len(ignored) == runs.IGNORED_KEPT
    assert ignored[0] == "x" * runs.LABEL_KEPT


def test_each_header_is_folded_once_whatever_the_number_of_lines(demo, monkeypatch):
    calls = []
    fold = runs.fold
    monkeypatch.setattr(runs, "fold", lambda label: calls.append(label) or fold(label))
    header = "Numéro Parcoursup;Nom;Prénom;Date de naissance;Courriel;E-mail;Code formation;Code situation"
    line = "1000001;DURAND;Zoé;01/02/2006;;zoe@example.org;GEII-1;1"
    content = "\n".join([header, *[line] * 50]).encode()

    run = importer.import_file(io.BytesIO(content), academic_year=demo.current_year)

    assert (run.status, run.lines_read, run.created) == (ImportRun.Status.DONE, 50, 1)
    # A column's name in any case (`Nom`) is not even folded; the other headers once each.
    assert sorted(calls) == sorted(label for label in header.split(";") if label != "Nom")
