"""The import-run runner shared by the admissions import (`importer.py`) and the results
import (`results_importer.py`); each of them brings only its columns, its line checks and its
SQL (a `BatchImporter` subclass and a writer).

What every import does the same way, here:

- the file is read as a stream (twice: once to detect the encoding and hash it, once to
  import), so memory does not grow with its size; rows are written in batches, each in its
  own transaction, with one query to fetch the existing rows of the batch;
- every bad line is reported with its number (the header is line 1, as in a spreadsheet),
  its column and a reason, while the good lines are imported; a file unusable as a whole
  (empty, not text, wrong separator, missing column) imports nothing;
- a line identical to what is stored changes nothing, so importing the same file twice is a
  no-op and a newer file updates without duplicating;
- the ImportRun records it all: created running, then done or failed (`TRANSITIONS`), with
  its counts, its issues and an audit event.
"""

import codecs
import csv
import hashlib
import io
import tempfile
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import ClassVar

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, models, router, transaction
from django.utils import timezone

from matricule import transitions
from matricule.audit.services import record
from matricule.institution.models import AcademicYear

from .models import ImportIssue, ImportRun
from .reports import report_lines

BATCH_SIZE = 1000
CHUNK_SIZE = 1 << 20
Severity = ImportIssue.Severity
Status = ImportRun.Status


class FileError(Exception):
    """The whole file cannot be imported; `issues` say why."""

    def __init__(self, issues: list[ImportIssue]):
        super().__init__(", ".join(issue.code for issue in issues))
        self.issues = issues


def file_issue(
    code: str, *, line: int | None = 1, column: str = "", params: dict | None = None
) -> ImportIssue:
    return ImportIssue(
        line_number=line, column=column, severity=Severity.ERROR, code=code, params=params or {}
    )


# --- Reading the file ---------------------------------------------------------------------


class _ByteStream(io.RawIOBase):
    """Any object with `read(n)` (a Django upload, a file) as a raw stream for TextIOWrapper;
    closing it leaves the underlying file open for its owner."""

    def __init__(self, fileobj):
        self._fileobj = fileobj

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._fileobj.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _seekable(fileobj):
    """The file itself when it can be read twice, else a temporary copy of it."""
    try:
        if fileobj.seekable():
            fileobj.seek(0)
            return fileobj, None
    except (AttributeError, OSError):
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_SIZE)  # noqa: SIM115
    while chunk := fileobj.read(CHUNK_SIZE):
        copy.write(chunk)
    copy.seek(0)
    return copy, copy


def inspect_file(fileobj) -> tuple[str, str, int, bool]:
    """(encoding, sha256, size, has NUL bytes) after one pass over the file.

    UTF-8 (the `-sig` codec also drops a byte-order mark) when every byte decodes as
    UTF-8, else Windows-1252, which is what Excel on Windows writes.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8, has_nul, size = True, False, 0
    while chunk := fileobj.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        has_nul = has_nul or b"\x00" in chunk
        if is_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    return ("utf-8-sig" if is_utf8 else "cp1252"), digest.hexdigest(), size, has_nul


def open_csv(fileobj, encoding: str):
    """A csv reader (semicolons) over the streamed file. cp1252 leaves five bytes undefined:
    they are replaced rather than failing the file."""
    text = io.TextIOWrapper(
        io.BufferedReader(_ByteStream(fileobj), CHUNK_SIZE), encoding=encoding, errors="replace", newline=""
    )
    return csv.reader(text, delimiter=";")


def read_header(reader) -> tuple[list[str], int]:
    """The first non-blank line, lower-cased, and its line number; FileError when there is none."""
    for line, cells in enumerate(reader, start=1):
        if any(cell.strip() for cell in cells):
            header = [cell.strip().lower() for cell in cells]
            # A byte-order mark left in place when the rest of the file is not UTF-8.
            header[0] = header[0].removeprefix("\ufeff").removeprefix("ï»¿")
            return header, line
    raise FileError([file_issue("file_empty", line=None)])


def check_header(header: list[str], line: int, *, known, required) -> None:
    """Duplicated known columns, missing required ones, or a file cut with another separator."""
    issues = []
    seen = set()
    for name in header:
        if name in known and name in seen:
            issues.append(file_issue("column_duplicate", line=line, column=name, params={"column": name}))
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing and len(header) == 1 and ("," in header[0] or "\t" in header[0]):
        issues.append(file_issue("file_separator", line=line))
    else:
        issues.extend(
            file_issue("column_missing", line=line, column=name, params={"column": name}) for name in missing
        )
    if issues:
        raise FileError(issues)


def read_csv_rows(
    fileobj, encoding: str, *, known, required, shape: Callable[[list[str]], Callable[[list[str]], object]]
) -> Iterator[tuple[int, object]]:
    """(line number, row) for each non-blank data line; header checked first.

    `shape(header)` returns the function that makes a line's cells into the importer's row,
    or None for a blank line (spreadsheets keep blank rows in their numbering; so do we, but
    skip them). Raises FileError when the header makes the file unusable, or when the CSV
    structure breaks (the lines before it have then been yielded and imported).
    """
    reader = open_csv(fileobj, encoding)
    line = 0
    try:
        header, line = read_header(reader)
        check_header(header, line, known=known, required=required)
        make_row = shape(header)
        for cells in reader:
            line += 1
            row = make_row(cells)
            if row is not None:
                yield line, row
    except csv.Error as error:
        raise FileError(
            [file_issue("file_malformed", line=line + 1, params={"detail": str(error)[:200]})]
        ) from None


def _failing(issues: list[ImportIssue]) -> Iterator[tuple[int, object]]:
    raise FileError(issues)
    yield  # a generator, so that the error is raised inside run_import


# --- Checking and writing in batches ------------------------------------------------------


class Writer:
    """Writes a batch with one parameterised `executemany` for its new rows and one for its
    changed rows: far faster than the ORM's bulk methods, which prepare every value through
    its field. A subclass sets `model` and `insert_sql`, `update_sql` (only names from the
    model's metadata, quoted: every value is a query parameter), and says which rows of a
    batch are stored and how rows become parameters."""

    model: ClassVar[type[models.Model]]
    insert_sql: str
    update_sql: str

    def __init__(self):
        self.alias = router.db_for_write(self.model)
        self.connection = connections[self.alias]
        self.timestamp_field = self.model._meta.get_field("updated_at")

    def existing(self, rows: dict) -> dict[Hashable, tuple[int, object]]:
        """Key → (pk, stored) of the stored rows among the batch's `rows` (by key), in one query."""
        raise NotImplementedError

    def insert_params(self, rows: list, run: ImportRun, now) -> list:
        raise NotImplementedError

    def update_params(self, rows: list[tuple[int, object]], run: ImportRun, now) -> list:
        raise NotImplementedError

    def insert(self, rows: list, run: ImportRun) -> None:
        if rows:
            self._execute(self.insert_sql, self.insert_params(rows, run, self._now()))

    def update(self, rows: list[tuple[int, object]], run: ImportRun) -> None:
        if rows:
            self._execute(self.update_sql, self.update_params(rows, run, self._now()))

    def _now(self):
        # Prepared once per batch, not once per row.
        return self.timestamp_field.get_db_prep_save(timezone.now(), self.connection)

    def _execute(self, sql: str, params: list) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(sql, params)


class BatchImporter:
    """Checks rows one by one and writes them in batches; subclasses say how.

    A subclass sets `kind`, `event` (the audit action), `read_rows` (for files), gives a
    `Writer` and implements `check` and `duplicate`; its rows have `line`, `key` (what
    identifies the stored row), `fingerprint` (what an identical line repeats), `stored` (what
    the database keeps to tell the row is unchanged) and `warnings`.
    """

    kind: ClassVar[str]
    event: ClassVar[str]
    # ImportRun fields the audit event carries besides the counts.
    event_fields: ClassVar[tuple[str, ...]] = ()

    @staticmethod
    def read_rows(fileobj, encoding: str) -> Iterator[tuple[int, object]]:
        raise NotImplementedError

    def __init__(self, run: ImportRun, writer: Writer):
        self.run = run
        self.writer = writer
        self.pending: dict[Hashable, object] = {}
        self.issues: list[ImportIssue] = []
        # Key → (line, fingerprint) of its latest row met so far in this source, to skip a
        # repeated identical row; grows with the number of distinct rows, not of lines.
        self.seen: dict[Hashable, tuple[int, object]] = {}

    def check(self, line: int, row) -> tuple[object | None, list[ImportIssue]]:
        """The row to store, or None and the line's errors."""
        raise NotImplementedError

    def duplicate(self, row, previous_line: int) -> ImportIssue:
        """The warning for a row that replaces an earlier different one of the same source."""
        raise NotImplementedError

    def count(self, row) -> None:
        """Counts of an accepted row beyond those every import keeps."""

    def add_issues(self, issues: Iterable[ImportIssue]) -> None:
        for issue in issues:
            issue.run = self.run
            self.issues.append(issue)

    def feed(self, rows: Iterable[tuple[int, object]]) -> None:
        run = self.run
        check = self.check
        for line, row in rows:
            run.lines_read += 1
            checked, errors = check(line, row)
            if checked is None:
                run.rejected += 1
                self.add_issues(errors)
            else:
                self._accept(checked)
            if len(self.pending) >= BATCH_SIZE or len(self.issues) >= BATCH_SIZE:
                self.flush()
        self.flush()

    def _accept(self, row) -> None:
        previous = self.seen.get(row.key)
        if previous is not None:
            previous_line, fingerprint = previous
            if fingerprint == row.fingerprint:
                self.run.unchanged += 1  # the same line again: nothing new to say or store
                return
            row.warnings.append(self.duplicate(row, previous_line))
            if row.key in self.pending:
                # Write the earlier version first, so this one is counted as its update.
                self.flush()
        self.seen[row.key] = (row.line, row.fingerprint)
        self.count(row)
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
                    elif known[1] == row.stored:
                        run.unchanged += 1
                    else:
                        to_update.append((known[0], row))
                writer.insert(to_create, run)
                writer.update(to_update, run)
                run.created += len(to_create)
                run.updated += len(to_update)
            if self.issues:
                ImportIssue.objects.using(writer.alias).bulk_create(self.issues)
        self.pending.clear()
        self.issues.clear()

    def abort(self, issues: list[ImportIssue]) -> None:
        """Keep what the lines before a break imported, and their issues, then say why."""
        self.flush()
        self.add_issues(issues)
        ImportIssue.objects.bulk_create(self.issues)


# --- The run's lifecycle ------------------------------------------------------------------


# A run is created running and ends once, done or failed; anything else is refused.
class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. finishing a failed run)."""


TRANSITIONS = transitions.Table(
    {Status.RUNNING: {Status.DONE, Status.FAILED}, Status.DONE: set(), Status.FAILED: set()},
    TransitionError,
)


def start(
    *, kind: str, source: str, academic_year: AcademicYear, user, file_name: str, checksum: str
) -> ImportRun:
    return ImportRun.objects.create(
        kind=kind,
        source=source,
        academic_year=academic_year,
        user=user if getattr(user, "pk", None) else None,
        file_name=file_name[:255],
        checksum=checksum,
        status=Status.RUNNING,
    )


def finish(run: ImportRun) -> None:
    _end(run, Status.DONE)


def fail(run: ImportRun) -> None:
    _end(run, Status.FAILED)


def _end(run: ImportRun, status: str) -> None:
    TRANSITIONS.check(run.status, status)
    run.status = status
    run.finished_at = timezone.now()
    run.save()


# --- Entry points -------------------------------------------------------------------------


def run_import(
    importer_class: type[BatchImporter],
    rows: Iterable[tuple[int, object]],
    *,
    academic_year: AcademicYear,
    user=None,
    source: str = ImportRun.Source.FILE,
    file_name: str = "",
    checksum: str = "",
) -> ImportRun:
    """Import (line number, row) pairs into `academic_year`; returns the finished run."""
    run = start(
        kind=importer_class.kind,
        source=source,
        academic_year=academic_year,
        user=user,
        file_name=file_name,
        checksum=checksum,
    )
    importer = importer_class(run)
    try:
        importer.feed(rows)
    except FileError as error:
        importer.abort(error.issues)
        fail(run)
    except Exception:
        fail(run)
        raise
    else:
        finish(run)
    record(
        importer_class.event,
        actor=user,
        obj=run,
        status=run.status,
        academic_year=academic_year.code,
        **{name: getattr(run, name) for name in importer_class.event_fields},
        file_name=run.file_name,
        checksum=checksum,
        **{name: getattr(run, name) for name in run.count_fields()},
    )
    return run


def import_file(
    importer_class: type[BatchImporter],
    fileobj,
    *,
    academic_year: AcademicYear,
    user=None,
    file_name: str = "",
) -> ImportRun:
    """Import a CSV file (a binary file object) with `importer_class`."""
    file_name = file_name or getattr(fileobj, "name", "") or ""
    fileobj, copy = _seekable(fileobj)
    try:
        encoding, checksum, size, has_nul = inspect_file(fileobj)
        fileobj.seek(0)
        if size == 0:
            rows = _failing([file_issue("file_empty", line=None)])
        elif has_nul:
            # A spreadsheet (.xlsx, .ods) or another binary file, not its CSV export.
            rows = _failing([file_issue("file_not_text", line=None)])
        else:
            rows = importer_class.read_rows(fileobj, encoding)
        return run_import(
            importer_class,
            rows,
            academic_year=academic_year,
            user=user,
            source=ImportRun.Source.FILE,
            file_name=file_name,
            checksum=checksum,
        )
    finally:
        if copy is not None:
            copy.close()


class ImportCommand(BaseCommand):
    """What the import commands share: the campaign (--year), the file and the report."""

    year_help = "academic year, e.g. 2024-2025 (default: the current campaign)"

    def add_arguments(self, parser):
        parser.add_argument("--year", metavar="CODE", help=self.year_help)

    def academic_year(self, code: str | None) -> AcademicYear:
        if code:
            year = AcademicYear.objects.filter(code=code).first()
            if year is None:
                raise CommandError(f"No academic year {code}.")
        else:
            year = AcademicYear.objects.current()
            if year is None:
                raise CommandError("No current academic year: give one with --year.")
        return year

    def import_path(self, import_function, name: str, year: AcademicYear) -> ImportRun:
        path = Path(name)
        try:
            with path.open("rb") as handle:
                return import_function(handle, academic_year=year, file_name=path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None

    def report(self, run: ImportRun) -> None:
        for line in report_lines(run):
            self.stdout.write(line)
        if run.status == Status.FAILED:
            raise CommandError("The import failed: see the reasons above.")
