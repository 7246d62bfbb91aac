"""Import of last year's results (`resultats.csv`), which continuing students re-register from.

Written by the runner all imports share (`runs.py`: streaming, batches, issues, the run's
lifecycle), with the same guarantees as the admissions import. What is the results import's
own: its four columns, its line checks, and a result being one student, year and stage (a
line with the result already stored changes nothing).
"""

import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from matricule.institution.models import AcademicYear, Stage

from . import runs
from .models import ImportIssue, ImportRun, Result, ResultCode

Severity = ImportIssue.Severity

REQUIRED_COLUMNS = ("numero_etudiant", "annee", "code_etape", "resultat")
# The labels student records systems and spreadsheets give the columns, besides their names
# (compared folded, see `importer.COLUMN_LABELS`); `COD_ETU` and `COD_ETP` are Apogée's. Not
# `Étape`, which may head the stage's name rather than its code.
COLUMN_LABELS = {
    "numero_etudiant": ("Numéro étudiant", "N° étudiant", "Numéro d'étudiant", "Code étudiant", "COD_ETU"),
    "annee": ("Année", "Année universitaire"),
    "code_etape": ("Code étape", "Code de l'étape", "COD_ETP"),
    "resultat": ("Résultat", "Résultat final", "Décision du jury"),
}
COLUMNS = runs.Columns(REQUIRED_COLUMNS, labels=COLUMN_LABELS)
STUDENT_NUMBER_MAX = Result._meta.get_field("student_number").max_length
STUDENT_NUMBER_RE = re.compile(r"[0-9A-Za-z]+", re.ASCII)
YEAR_CODE_RE = re.compile(r"(\d{4})-(\d{4})", re.ASCII)
RESULT_CODES = {choice.value for choice in ResultCode}
ALLOWED_RESULTS = ", ".join(choice.value for choice in ResultCode)

# (student number, year code, stage id): what identifies a result.
Key = tuple[str, str, int]


@dataclass
class _ResultRow:
    line: int
    key: Key
    result: str
    warnings: list = field(default_factory=list)

    @property
    def stored(self) -> str:
        return self.result

    # A line is its result: one that repeats the result repeats the line.
    fingerprint = stored


# --- Reading the file ---------------------------------------------------------------------


def _row_maker(columns: list[str | None]):
    positions = [columns.index(name) for name in REQUIRED_COLUMNS]
    pick = operator.itemgetter(*positions)
    width = max(positions) + 1

    def make_row(cells: list[str]) -> tuple[str, ...] | None:
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        values = tuple(value.strip() for value in pick(cells))
        # The picked values first: the whole line is looked at only when they are all blank.
        if not any(values) and not any(cell.strip() for cell in cells):
            return None
        return values

    return make_row


def read_csv_rows(fileobj, encoding: str) -> runs.CsvRows:
    """(line number, values of REQUIRED_COLUMNS in their order) for each non-blank data line
    (see `runs.CsvRows`; four columns, so a tuple rather than a dict per line)."""
    return runs.read_csv_rows(fileobj, encoding, columns=COLUMNS, shape=_row_maker)


# --- Checking one row ---------------------------------------------------------------------


def _is_year_code(value: str) -> bool:
    match = YEAR_CODE_RE.fullmatch(value)
    return bool(match) and int(match[2]) == int(match[1]) + 1


def check_row(
    line: int, values: tuple[str, ...], stage_by_code: dict[str, int]
) -> tuple[_ResultRow | None, list[ImportIssue]]:
    """One row (the values of REQUIRED_COLUMNS) as a result to store, or its errors."""
    number, year_code, stage_code, given_result = values
    # Spreadsheets sometimes lower-case codes: `adm` is read as `ADM`.
    result = given_result.upper()
    stage_id = stage_by_code.get(stage_code) or stage_by_code.get(stage_code.upper())
    if (
        stage_id is not None
        and result in RESULT_CODES
        and len(number) <= STUDENT_NUMBER_MAX
        and STUDENT_NUMBER_RE.fullmatch(number)
        and _is_year_code(year_code)
    ):
        return _ResultRow(line=line, key=(number, year_code, stage_id), result=result), []

    # The line has errors: say every one of them, with the student number as given.
    issues = runs.LineIssues(line, params={"student_number": number[:30]})
    error = issues.error

    for column, value in zip(REQUIRED_COLUMNS, values, strict=True):
        if not value:
            error(column, "required")
    if number:
        if len(number) > STUDENT_NUMBER_MAX:
            error("numero_etudiant", "too_long", max=STUDENT_NUMBER_MAX)
        elif not STUDENT_NUMBER_RE.fullmatch(number):
            error("numero_etudiant", "student_number", value=number[:50])
    if year_code and not _is_year_code(year_code):
        error("annee", "year_code", value=year_code[:50])
    if stage_code and stage_id is None:
        error("code_etape", "unknown_stage", value=stage_code[:50])
    if result and result not in RESULT_CODES:
        error("resultat", "choice", value=given_result[:50], allowed=ALLOWED_RESULTS)
    return None, issues.errors


# --- Writing ------------------------------------------------------------------------------


class _ResultsImporter(runs.BatchImporter):
    kind = ImportRun.Kind.RESULTS
    event = "admissions.results_import.finished"
    read_rows = staticmethod(read_csv_rows)

    def __init__(self, run: ImportRun):
        super().__init__(run, _ResultWriter())
        self.stage_by_code = stage_codes()

    def check(self, line: int, row: tuple[str, ...]) -> tuple[_ResultRow | None, list[ImportIssue]]:
        return check_row(line, row, self.stage_by_code)

    def duplicate(self, row: _ResultRow, previous_line: int) -> ImportIssue:
        line = runs.LineIssues(row.line, params={"student_number": row.key[0]})
        return line.issue(Severity.WARNING, "resultat", "duplicate_result", {"line": previous_line})


class _ResultWriter(runs.Writer):
    model = Result

    def __init__(self):
        super().__init__()
        meta = Result._meta
        quote = self.connection.ops.quote_name
        table = quote(meta.db_table)
        column = {
            name: quote(meta.get_field(name).column)
            for name in ("student_number", "year_code", "stage", "result", "import_run", "updated_at")
        }
        # Only names from the model's metadata, quoted; every value is a query parameter.
        self.insert_sql = (
            f"INSERT INTO {table} ({column['student_number']}, {column['year_code']}, "  # noqa: S608
            f"{column['stage']}, {column['result']}, {column['import_run']}, "
            f"{column['updated_at']}) VALUES (%s, %s, %s, %s, %s, %s)"
        )
        self.update_sql = (
            f"UPDATE {table} SET {column['result']} = %s, {column['import_run']} = %s, "  # noqa: S608
            f"{column['updated_at']} = %s WHERE {quote(meta.pk.column)} = %s"
        )
        self.select_sql = (
            f"SELECT {quote(meta.pk.column)}, {column['student_number']}, "  # noqa: S608
            f"{column['year_code']}, {column['stage']}, {column['result']} FROM {table} "
            f"WHERE {column['student_number']} IN ({{}})"
        )

    def existing(self, keys: Iterable[Key]) -> dict[Key, tuple[int, str]]:
        """Key → (pk, result) of the stored results among `keys`, in one query (the ORM's
        `__in` prepares each value through the field, which was a third of the time)."""
        numbers = list({key[0] for key in keys})
        with self.connection.cursor() as cursor:
            cursor.execute(self.select_sql.format(", ".join(["%s"] * len(numbers))), numbers)
            return {
                (number, year, stage_id): (pk, result)
                for pk, number, year, stage_id, result in cursor.fetchall()
            }

    def insert_params(self, rows: list[_ResultRow], run: ImportRun, now) -> list:
        return [(*row.key, row.result, run.pk, now) for row in rows]

    def update_params(self, rows: list[tuple[int, _ResultRow]], run: ImportRun, now) -> list:
        return [(row.result, run.pk, now, pk) for pk, row in rows]


def stage_codes() -> dict[str, int]:
    """Stage code → stage id, as stored and upper-cased, read once per import."""
    mapping = {}
    for pk, code in Stage.objects.values_list("pk", "code"):
        mapping.setdefault(code.strip().upper(), pk)
        mapping[code] = pk
    return mapping


# --- Entry point --------------------------------------------------------------------------


def import_results(file, *, academic_year: AcademicYear, user=None, file_name: str = "") -> ImportRun:
    """Import a CSV export of last year's results (a binary file object).

    `academic_year` is the campaign the results prepare (the re-registrations' year); each
    result keeps the year it was obtained in, from the file.
    """
    return runs.import_file(
        _ResultsImporter, file, academic_year=academic_year, user=user, file_name=file_name
    )


def import_stored(run: ImportRun) -> ImportRun:
    """Import the results file a run taken from the queue keeps in storage (the task's work)."""
    return runs.import_stored(_ResultsImporter, run)
