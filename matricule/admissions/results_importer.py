"""Import of last year's results (`resultats.csv`), which continuing students re-register from.

The same pipeline and guarantees as the admissions import (`importer.py`), whose file handling
it reuses:

- the file is read as a stream (twice: once to detect the encoding and hash it, once to
  import); results are written in batches, each in its own transaction, with one query to
  fetch the existing results of the batch;
- every bad line is reported with its number (the header is line 1), its column and a
  reason, while the good lines are imported; a file that is unusable as a whole (empty, not
  text, wrong separator, missing column) imports nothing;
- a result is one student, year and stage: a line with the result already stored changes
  nothing, so importing the same file twice is a no-op, and a newer file updates.
"""

import csv
import operator
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext

from matricule.audit.services import record
from matricule.institution.models import AcademicYear, Stage

from .importer import (
    BATCH_SIZE,
    FileError,
    _file_issue,
    _seekable,
    check_header,
    inspect_file,
    malformed,
    open_csv,
    read_header,
)
from .models import ImportIssue, ImportRun, Result, ResultCode

Severity = ImportIssue.Severity

REQUIRED_COLUMNS = ("numero_etudiant", "annee", "code_etape", "resultat")
STUDENT_NUMBER_MAX = Result._meta.get_field("student_number").max_length
STUDENT_NUMBER_RE = re.compile(r"[0-9A-Za-z]+", re.ASCII)
YEAR_CODE_RE = re.compile(r"(\d{4})-(\d{4})", re.ASCII)
RESULT_CODES = {choice.value for choice in ResultCode}
ALLOWED_RESULTS = ", ".join(choice.value for choice in ResultCode)

# The counts that mean something for a results import (the others are about admissions).
COUNT_FIELDS = ("lines_read", "created", "updated", "unchanged", "rejected")

# (student number, year code, stage id): what identifies a result.
Key = tuple[str, str, int]


@dataclass
class _ResultRow:
    line: int
    key: Key
    result: str
    warnings: list = field(default_factory=list)


# --- Reading the file ---------------------------------------------------------------------


def read_csv_rows(fileobj, encoding: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line number, values of REQUIRED_COLUMNS in their order) for each non-blank data line;
    header checked first.

    As `importer.read_csv_rows`, with the columns of the results file (four, so a tuple
    rather than a dict per line).
    """
    reader = open_csv(fileobj, encoding)
    line = 0
    try:
        header, line = read_header(reader)
        check_header(header, line, known=REQUIRED_COLUMNS, required=REQUIRED_COLUMNS)
        positions = [header.index(name) for name in REQUIRED_COLUMNS]
        pick = operator.itemgetter(*positions)
        width = max(positions) + 1
        for cells in reader:
            line += 1
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            values = tuple(value.strip() for value in pick(cells))
            # Spreadsheets keep blank rows in their numbering; so do we, but skip them.
            if not any(values) and not any(cell.strip() for cell in cells):
                continue
            yield line, values
    except csv.Error as error:
        raise malformed(error, line + 1) from None


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

    # The line has errors: say every one of them.
    errors: list[ImportIssue] = []

    def error(column, code, **params):
        # The student number (as given) goes with the issue, so the report can show whose
        # line it is.
        errors.append(
            ImportIssue(
                line_number=line,
                column=column,
                severity=Severity.ERROR,
                code=code,
                params={**params, "student_number": number[:30]},
            )
        )

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
    return None, errors


# --- Writing ------------------------------------------------------------------------------


class _ResultsImporter:
    def __init__(self, run: ImportRun, stage_by_code: dict[str, int]):
        self.run = run
        self.stage_by_code = stage_by_code
        self.writer = _ResultWriter()
        self.pending: dict[Key, _ResultRow] = {}
        self.issues: list[ImportIssue] = []
        # Key → (line, result) of its latest row met so far in this file, to skip a repeated
        # identical row; grows with the number of results, not of lines.
        self.seen: dict[Key, tuple[int, str]] = {}

    def add_issues(self, issues: Iterable[ImportIssue]) -> None:
        for issue in issues:
            issue.run = self.run
            self.issues.append(issue)

    def feed(self, rows: Iterable[tuple[int, tuple[str, ...]]]) -> None:
        run = self.run
        for line, row in rows:
            run.lines_read += 1
            checked, errors = check_row(line, row, self.stage_by_code)
            if checked is None:
                run.rejected += 1
                self.add_issues(errors)
            else:
                self._accept(checked)
            if len(self.pending) >= BATCH_SIZE or len(self.issues) >= BATCH_SIZE:
                self.flush()
        self.flush()

    def _accept(self, row: _ResultRow) -> None:
        previous = self.seen.get(row.key)
        if previous is not None:
            previous_line, result = previous
            if result == row.result:
                self.run.unchanged += 1  # the same line again: nothing new to say or store
                return
            row.warnings.append(
                ImportIssue(
                    line_number=row.line,
                    column="resultat",
                    severity=Severity.WARNING,
                    code="duplicate_result",
                    params={"line": previous_line, "student_number": row.key[0]},
                )
            )
            if row.key in self.pending:
                # Write the earlier version first, so this one is counted as its update.
                self.flush()
        self.seen[row.key] = (row.line, row.result)
        self.add_issues(row.warnings)
        self.pending[row.key] = row

    def flush(self) -> None:
        run = self.run
        writer = self.writer
        with transaction.atomic(using=writer.alias):
            if self.pending:
                existing = writer.existing(self.pending)
                to_create, to_update = [], []
                for key, row in self.pending.items():
                    known = existing.get(key)
                    if known is None:
                        to_create.append(row)
                    elif known[1] == row.result:
                        run.unchanged += 1
                    else:
                        to_update.append((known[0], row))
                writer.insert(to_create, run.pk)
                writer.update(to_update, run.pk)
                run.created += len(to_create)
                run.updated += len(to_update)
            if self.issues:
                ImportIssue.objects.using(writer.alias).bulk_create(self.issues)
        self.pending.clear()
        self.issues.clear()


class _ResultWriter:
    """Inserts and updates results with one parameterised `executemany` per batch (as the
    admissions import does: far faster than the ORM's bulk methods)."""

    def __init__(self):
        self.alias = router.db_for_write(Result)
        self.connection = connections[self.alias]
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
        self.timestamp_field = meta.get_field("updated_at")

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

    def _now(self):
        return self.timestamp_field.get_db_prep_save(timezone.now(), self.connection)

    def insert(self, rows: list[_ResultRow], run_id: int) -> None:
        if not rows:
            return
        now = self._now()
        params = [(*row.key, row.result, run_id, now) for row in rows]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.insert_sql, params)

    def update(self, rows: list[tuple[int, _ResultRow]], run_id: int) -> None:
        if not rows:
            return
        now = self._now()
        params = [(row.result, run_id, now, pk) for pk, row in rows]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.update_sql, params)


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
    file_name = file_name or getattr(file, "name", "") or ""
    fileobj, copy = _seekable(file)
    try:
        encoding, checksum, size, has_nul = inspect_file(fileobj)
        fileobj.seek(0)
        run = ImportRun.objects.create(
            kind=ImportRun.Kind.RESULTS,
            source=ImportRun.Source.FILE,
            academic_year=academic_year,
            user=user if getattr(user, "pk", None) else None,
            file_name=file_name[:255],
            checksum=checksum,
        )
        importer = _ResultsImporter(run, stage_codes())
        try:
            if size == 0:
                raise FileError([_file_issue("file_empty", line=None)])
            if has_nul:
                # A spreadsheet (.xlsx, .ods) or another binary file, not its CSV export.
                raise FileError([_file_issue("file_not_text", line=None)])
            importer.feed(read_csv_rows(fileobj, encoding))
        except FileError as error:
            importer.flush()  # keep what the lines before a break imported, and their issues
            importer.add_issues(error.issues)
            ImportIssue.objects.bulk_create(importer.issues)
            run.status = ImportRun.Status.FAILED
        except Exception:
            run.status = ImportRun.Status.FAILED
            run.finished_at = timezone.now()
            run.save()
            raise
        else:
            run.status = ImportRun.Status.DONE
    finally:
        if copy is not None:
            copy.close()
    run.finished_at = timezone.now()
    run.save()
    record(
        "admissions.results_import.finished",
        actor=user,
        obj=run,
        status=run.status,
        academic_year=academic_year.code,
        file_name=run.file_name,
        checksum=checksum,
        lines_read=run.lines_read,
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
    )
    return run


# --- Reports ------------------------------------------------------------------------------


def run_counts(run: ImportRun) -> list[tuple[str, int]]:
    """(label, value) of the counts of a results import, in reading order."""
    return [(run._meta.get_field(name).verbose_name, getattr(run, name)) for name in COUNT_FIELDS]


def report_lines(run: ImportRun) -> Iterator[str]:
    """The plain-text report of a results import (as `reports.report_lines`, with its counts)."""
    yield gettext("Import of %(file)s into %(year)s: %(status)s") % {
        "file": run.file_name or "-",
        "year": run.academic_year.code,
        "status": run.get_status_display(),
    }
    yield ", ".join(f"{label}: {value}" for label, value in run_counts(run))
    for issue in run.issues.select_related("run").order_by("line_number", "pk").iterator(chunk_size=2000):
        yield issue.describe()
