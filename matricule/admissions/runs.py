"""The import-run runner shared by the admissions import (`importer.py`) and the results
import (`results_importer.py`); each of them brings only its columns, its line checks and its
SQL (a `BatchImporter` subclass and a writer).

What every import does the same way, here:

- the file is read as a stream (twice: once to detect the encoding and hash it, once to
  import), so memory does not grow with its size; rows are written in batches, each in its
  own transaction, with one query to fetch the existing rows of the batch;
- headers are matched by their folded form (case, accents, spaces, hyphens, underscores and
  a byte-order mark aside), and by the labels exports give the columns (`Date de naissance`);
  the run keeps the headers it ignored, and a missing column's report names the closest one;
- every bad line is reported with its number (the header is line 1, as in a spreadsheet),
  its column and a reason, while the good lines are imported; a file unusable as a whole
  (empty, not text, wrong separator, missing column) imports nothing;
- a line identical to what is stored changes nothing, so importing the same file twice is a
  no-op and a newer file updates without duplicating;
- the ImportRun records it all: created running (or queued, for an import in the background,
  then taken once by the task: `claim`), then done or failed (`TRANSITIONS`), with its counts,
  its issues and an audit event; its counts are written after each batch (one UPDATE), so that
  its progress page shows them while it runs.
"""

import codecs
import csv
import difflib
import hashlib
import io
import tempfile
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import ClassVar, NamedTuple

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, models, router, transaction
from django.urls import reverse
from django.utils import timezone, translation

from matricule import transitions
from matricule.audit.services import record
from matricule.institution.models import AcademicYear

from .models import ImportIssue, ImportRun
from .reports import report_lines

BATCH_SIZE = 1000
CHUNK_SIZE = 1 << 20
Severity = ImportIssue.Severity
Status = ImportRun.Status
# Makes the function that turns a line's cells into an importer's row, from the column each
# header cell names (None when the cell is ignored).
Shape = Callable[[list[str | None]], Callable[[list[str]], object]]


class FileError(Exception):
    """The whole file cannot be imported; `issues` say why."""

    def __init__(self, issues: list[ImportIssue], *, ignored_columns: list[str] | None = None):
        super().__init__(", ".join(issue.code for issue in issues))
        self.issues = issues
        # The headers the import would not have read, when the header was matched.
        self.ignored_columns = ignored_columns or []


def file_issue(
    code: str, *, line: int | None = 1, column: str = "", params: dict | None = None
) -> ImportIssue:
    return ImportIssue(
        line_number=line, column=column, severity=Severity.ERROR, code=code, params=params or {}
    )


class LineIssues:
    """The errors and warnings found on one line, each an ImportIssue of that line carrying what
    identifies its row: `fields` of the issue (the Parcoursup number) or `params` added to every
    issue's own (the student number), so that the report can show whose line it is."""

    def __init__(self, line: int, *, fields: dict | None = None, params: dict | None = None):
        self.line = line
        self.fields = fields or {}
        self.params = params or {}
        self.errors: list[ImportIssue] = []
        self.warnings: list[ImportIssue] = []

    def issue(self, severity: str, column: str, code: str, params: dict) -> ImportIssue:
        return ImportIssue(
            line_number=self.line,
            column=column,
            severity=severity,
            code=code,
            params={**params, **self.params},
            **self.fields,
        )

    def error(self, column: str, code: str, **params) -> None:
        self.errors.append(self.issue(Severity.ERROR, column, code, params))

    def warning(self, column: str, code: str, **params) -> None:
        self.warnings.append(self.issue(Severity.WARNING, column, code, params))


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


class FileFacts(NamedTuple):
    encoding: str
    checksum: str
    size: int
    has_nul: bool
    # Lines after the first one (the header): what the progress bar counts up to.
    data_lines: int


def inspect_file(fileobj) -> FileFacts:
    """The file's encoding, SHA-256, size, whether it has NUL bytes, and its number of lines
    after the header, after one pass over it.

    UTF-8 (the `-sig` codec also drops a byte-order mark) when every byte decodes as
    UTF-8, else Windows-1252, which is what Excel on Windows writes.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8, has_nul, size, newlines, last = True, False, 0, 0, b""
    while chunk := fileobj.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        newlines += chunk.count(b"\n")
        last = chunk[-1:]
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
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return FileFacts(
        "utf-8-sig" if is_utf8 else "cp1252", digest.hexdigest(), size, has_nul, max(lines - 1, 0)
    )


def open_csv(fileobj, encoding: str):
    """A csv reader (semicolons) over the streamed file. cp1252 leaves five bytes undefined:
    they are replaced rather than failing the file."""
    text = io.TextIOWrapper(
        io.BufferedReader(_ByteStream(fileobj), CHUNK_SIZE), encoding=encoding, errors="replace", newline=""
    )
    return csv.reader(text, delimiter=";")


def read_header(reader) -> tuple[list[str], int]:
    """The first non-blank line, as written, and its line number; FileError when there is none."""
    for line, cells in enumerate(reader, start=1):
        if any(cell.strip() for cell in cells):
            return cells, line
    raise FileError([file_issue("file_empty", line=None)])


# --- Matching the header ------------------------------------------------------------------

# A byte-order mark: decoded (UTF-8 files lose it to the `-sig` codec), or left in place when
# the rest of the file is not UTF-8.
BYTE_ORDER_MARKS = ("\ufeff", "ï»¿")
# Dropped from header labels before they are compared, as spaces and accents are.
FOLDED_AWAY = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2212")
APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})
# How alike (difflib's ratio, 0 to 1) an unknown header and a missing column's folded names
# must be for the report to name the header: a typo or a shortened name (`etape` for
# `code_etape`: 0.71), not a short name that merely shares letters (`non` for `nom`: 0.67).
CLOSE_ENOUGH = 0.7
# What a run keeps of the headers it ignored: a wide export may have hundreds of columns.
IGNORED_KEPT, LABEL_KEPT = 200, 100


def fold(label: str) -> str:
    """A header label as it is compared: without a byte-order mark, case, accents, spaces,
    hyphens or underscores (`Numéro-Parcoursup `, `NUMERO_PARCOURSUP` and `numéro parcoursup`
    are the same); curly apostrophes are straight."""
    text = label.strip()
    for mark in BYTE_ORDER_MARKS:
        text = text.removeprefix(mark)
    text = unicodedata.normalize("NFKD", text.casefold().translate(APOSTROPHES))
    return "".join(
        char
        for char in text
        if not unicodedata.combining(char) and not char.isspace() and char not in FOLDED_AWAY
    )


class Columns:
    """The columns an import reads: their names (as the format documents them), which of them
    are required, and the labels exports give them (`labels`: name → labels, such as
    `Date de naissance` for `date_naissance`). A header names a column when it is its name in
    any case, or when its folded form is that of the name or of one of the labels."""

    def __init__(self, required: tuple[str, ...], optional: tuple[str, ...] = (), labels=None):
        self.required = tuple(required)
        self.names = self.required + tuple(optional)
        # Folded name or label → (column, rank). When several headers name a column, the one of
        # lowest rank is read and the others are ignored: the name as written (0), the name
        # folded (1), then each label in its order (2, 3…), so that a file with both
        # `Code formation` and `Formation` is read from the first.
        self.by_folded: dict[str, tuple[str, int]] = {}
        for name in self.names:
            self._declare(fold(name), name, 1)
        for name, column_labels in (labels or {}).items():
            if name not in self.names:
                raise ValueError(f"labels for {name!r}, which is not a column")
            for rank, label in enumerate(column_labels, start=2):
                self._declare(fold(label), name, rank)

    def _declare(self, key: str, name: str, rank: int) -> None:
        known = self.by_folded.setdefault(key, (name, rank))
        if known[0] != name:
            raise ValueError(f"{key!r} would name both {known[0]!r} and {name!r}")

    def match(self, cells: list[str], line: int) -> tuple[list[str | None], list[str]]:
        """The column each cell of the header names (None: ignored) and the ignored non-blank
        headers; FileError when a required column is missing or named twice, or when the file
        is cut with another separator. Each header is folded once, here, never per row."""
        labels = [cell.strip() for cell in cells]
        # The header as it was compared before labels were read: stripped, lower-cased,
        # without the mark; a file that imported then reads its columns from the same headers.
        exact = [label.lower() for label in labels]
        for mark in BYTE_ORDER_MARKS:
            exact[0] = exact[0].removeprefix(mark)
            labels[0] = labels[0].removeprefix(mark)
        labels[0] = labels[0].strip()
        names = set(self.names)

        found: dict[str, list[tuple[int, int]]] = {}  # column → (rank, index) of its headers
        unknown: list[tuple[int, str]] = []  # (index, folded label) of the other headers
        for index, label in enumerate(labels):
            if exact[index] in names:
                found.setdefault(exact[index], []).append((0, index))
            elif (key := fold(label)) in self.by_folded:
                name, rank = self.by_folded[key]
                found.setdefault(name, []).append((rank, index))
            elif key:
                unknown.append((index, key))

        columns: list[str | None] = [None] * len(labels)
        ignored = {index for index, _key in unknown}
        issues = []
        for name, headers in found.items():
            best = min(rank for rank, _index in headers)
            first, *others = [index for rank, index in headers if rank == best]
            ignored.update(index for rank, index in headers if rank != best)
            if not others:
                columns[first] = name
            elif best == 0:
                # The same name twice, refused as it was before labels were read.
                issues.extend(
                    file_issue("column_duplicate", line=line, column=name, params={"column": name})
                    for _index in others
                )
            elif name in self.required:
                issues.append(
                    file_issue("column_duplicate", line=line, column=name, params={"column": labels[first]})
                )
            else:
                # An optional column two headers name alike: neither is read (as before labels).
                ignored.update((first, *others))
        ignored_columns = [labels[index][:LABEL_KEPT] for index in sorted(ignored)][:IGNORED_KEPT]

        missing = [name for name in self.required if name not in found]
        if missing and len(cells) == 1 and ("," in exact[0] or "\t" in exact[0]):
            raise FileError([*issues, file_issue("file_separator", line=line)])
        for name in missing:
            params = {"column": name}
            closest = self.closest(name, unknown)
            if closest is not None:
                params["closest"] = labels[closest][:LABEL_KEPT]
            issues.append(file_issue("column_missing", line=line, column=name, params=params))
        if issues:
            raise FileError(issues, ignored_columns=ignored_columns)
        return columns, ignored_columns

    def closest(self, name: str, unknown: list[tuple[int, str]]) -> int | None:
        """The index of the unknown header most like column `name` (its name or one of its
        labels, folded) when it is close enough, else None."""
        targets = [key for key, (column, _rank) in self.by_folded.items() if column == name]
        best, best_ratio = None, 0.0
        for index, key in unknown:
            for target in targets:
                matcher = difflib.SequenceMatcher(None, target, key)
                # The cheap upper bounds first, as difflib.get_close_matches does.
                if (
                    matcher.real_quick_ratio() >= CLOSE_ENOUGH
                    and matcher.quick_ratio() >= CLOSE_ENOUGH
                    and (ratio := matcher.ratio()) >= CLOSE_ENOUGH
                    and ratio > best_ratio
                ):
                    best, best_ratio = index, ratio
        return best


class CsvRows:
    """(line number, row) for each non-blank data line of a CSV file, its header checked
    first; once it is, `ignored_columns` holds the headers the import does not read.

    `shape(columns)` (the column each header cell names, None when it is ignored) returns the
    function that makes a line's cells into the importer's row, or None for a blank line
    (spreadsheets keep blank rows in their numbering; so do we, but skip them). Iterating
    raises FileError when the header makes the file unusable, or when the CSV structure breaks
    (the lines before it have then been yielded and imported).
    """

    def __init__(self, fileobj, encoding: str, *, columns: Columns, shape: Shape):
        self.fileobj = fileobj
        self.encoding = encoding
        self.columns = columns
        self.shape = shape
        self.ignored_columns: list[str] = []

    def __iter__(self) -> Iterator[tuple[int, object]]:
        reader = open_csv(self.fileobj, self.encoding)
        line = 0
        try:
            cells, line = read_header(reader)
            try:
                names, self.ignored_columns = self.columns.match(cells, line)
            except FileError as error:
                self.ignored_columns = error.ignored_columns
                raise
            make_row = self.shape(names)
            for cells in reader:
                line += 1
                row = make_row(cells)
                if row is not None:
                    yield line, row
        except csv.Error as error:
            raise FileError(
                [file_issue("file_malformed", line=line + 1, params={"detail": str(error)[:200]})]
            ) from None


def read_csv_rows(fileobj, encoding: str, *, columns: Columns, shape: Shape) -> CsvRows:
    """The (line number, row) pairs of a CSV file, header checked first (see `CsvRows`)."""
    return CsvRows(fileobj, encoding, columns=columns, shape=shape)


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
        # The counts the database has (for the progress page).
        self.saved = self.progress()

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
        if not (self.pending or self.issues or self.unsaved()):
            return
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
            self.save_progress()
        self.pending.clear()
        self.issues.clear()

    def progress(self) -> dict[str, int]:
        run = self.run
        return {name: getattr(run, name) for name in PROGRESS_FIELDS}

    def unsaved(self) -> bool:
        """Have counts changed since they were last written (lines seen again only)?"""
        return self.progress() != self.saved

    def save_progress(self) -> None:
        """The run's counts as they are now, in one UPDATE, for its progress page (with the
        batch they count, in the same transaction)."""
        counts = self.progress()
        ImportRun.objects.using(self.writer.alias).filter(pk=self.run.pk).update(**counts)
        self.saved = counts

    def abort(self, issues: list[ImportIssue]) -> None:
        """Keep what the lines before a break imported, and their issues, then say why."""
        self.flush()
        self.add_issues(issues)
        ImportIssue.objects.bulk_create(self.issues)


# The counts a run keeps, written after each batch for its progress page.
PROGRESS_FIELDS = ("lines_read", "created", "updated", "unchanged", "rejected", "unmapped", "not_accepted")


# --- The run's lifecycle ------------------------------------------------------------------


# A run is created running (or queued, then taken once by its task) and ends once, done or
# failed; anything else is refused.
class TransitionError(transitions.TransitionError):
    """A transition the table does not allow (e.g. finishing a failed run)."""


TRANSITIONS = transitions.Table(
    {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        # running → running: a run whose worker died is taken up again from its file's start.
        Status.RUNNING: {Status.DONE, Status.FAILED, Status.RUNNING},
        Status.DONE: set(),
        Status.FAILED: set(),
    },
    TransitionError,
)


def start(
    *,
    kind: str,
    source: str,
    academic_year: AcademicYear,
    user,
    file_name: str,
    checksum: str,
    lines_total: int | None = None,
) -> ImportRun:
    return ImportRun.objects.create(
        kind=kind,
        source=source,
        academic_year=academic_year,
        user=user if getattr(user, "pk", None) else None,
        file_name=file_name[:255],
        checksum=checksum,
        lines_total=lines_total,
        status=Status.RUNNING,
    )


def queue(*, kind: str, academic_year: AcademicYear, user, file_name: str, stored_file: str) -> ImportRun:
    """A run waiting for its task, with the file it will import (a name in the default storage)."""
    return ImportRun.objects.create(
        kind=kind,
        source=ImportRun.Source.FILE,
        academic_year=academic_year,
        user=user if getattr(user, "pk", None) else None,
        file_name=file_name[:255],
        stored_file=stored_file,
        status=Status.QUEUED,
    )


def claim(run_id: int) -> ImportRun | None:
    """The run, now running, for the task that takes it; None when it is done or failed (a task
    run twice does not import twice). The move is one conditional UPDATE, so two workers given
    the same run cannot both take it.

    A run found running was taken by a task whose worker died mid-import: the queue gives a task
    to one worker at a time and hands it to another only once that worker is dead (scheduling).
    It is imported again from the start of its file, its counts and issues cleared: importing is
    idempotent (a line already stored is unchanged), so nothing is doubled."""
    TRANSITIONS.check(Status.QUEUED, Status.RUNNING)
    if ImportRun.objects.filter(pk=run_id, status=Status.QUEUED).update(status=Status.RUNNING):
        return ImportRun.objects.select_related("academic_year", "user").get(pk=run_id)
    TRANSITIONS.check(Status.RUNNING, Status.RUNNING)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=run_id, status=Status.RUNNING).first()
        if run is None:
            return None
        ImportIssue.objects.filter(run=run).delete()
        counts = ("lines_read", "created", "updated", "unchanged", "rejected", "unmapped", "not_accepted")
        ImportRun.objects.filter(pk=run.pk).update(**dict.fromkeys(counts, 0))
        record("admissions.import.resumed", obj=run)
    return ImportRun.objects.select_related("academic_year", "user").get(pk=run_id)


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
    run: ImportRun | None = None,
) -> ImportRun:
    """Import (line number, row) pairs into `academic_year`; returns the finished run. `run`: a
    run already taken (`claim`) rather than a new one."""
    if run is None:
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
        _keep_header_notes(run, rows)
        fail(run)
    except Exception:
        _keep_header_notes(run, rows)
        fail(run)
        raise
    else:
        _keep_header_notes(run, rows)
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


def _keep_header_notes(run: ImportRun, rows: Iterable[tuple[int, object]]) -> None:
    """What the file's header said, for the report (saved with the run when it ends)."""
    if isinstance(rows, CsvRows):
        run.ignored_columns = rows.ignored_columns


def import_file(
    importer_class: type[BatchImporter],
    fileobj,
    *,
    academic_year: AcademicYear,
    user=None,
    file_name: str = "",
    run: ImportRun | None = None,
) -> ImportRun:
    """Import a CSV file (a binary file object) with `importer_class`. `run`: a run already
    taken (`claim`), whose year, user and file name are used, rather than a new one."""
    file_name = file_name or getattr(fileobj, "name", "") or ""
    fileobj, copy = _seekable(fileobj)
    try:
        facts = inspect_file(fileobj)
        fileobj.seek(0)
        if run is None:
            run = start(
                kind=importer_class.kind,
                source=ImportRun.Source.FILE,
                academic_year=academic_year,
                user=user,
                file_name=file_name,
                checksum=facts.checksum,
                lines_total=facts.data_lines,
            )
        else:
            run.checksum, run.lines_total = facts.checksum, facts.data_lines
            run.save(update_fields=["checksum", "lines_total"])
        if facts.size == 0:
            rows = _failing([file_issue("file_empty", line=None)])
        elif facts.has_nul:
            # A spreadsheet (.xlsx, .ods) or another binary file, not its CSV export.
            rows = _failing([file_issue("file_not_text", line=None)])
        else:
            rows = importer_class.read_rows(fileobj, facts.encoding)
        return run_import(
            importer_class,
            rows,
            academic_year=run.academic_year,
            user=run.user,
            checksum=facts.checksum,
            run=run,
        )
    finally:
        if copy is not None:
            copy.close()


def import_stored(importer_class: type[BatchImporter], run: ImportRun) -> ImportRun:
    """Import the file a run taken from the queue (`claim`) keeps in storage, then delete the
    file, whatever happened: it holds personal data, and the run keeps what the report needs
    (checksum, counts, issues). A file storage lost fails the run with its reason."""
    name = run.stored_file
    try:
        try:
            handle = default_storage.open(name, "rb")
        except OSError:
            return run_import(
                importer_class,
                _failing([file_issue("file_unavailable", line=None)]),
                academic_year=run.academic_year,
                user=run.user,
                run=run,
            )
        with handle:
            return import_file(importer_class, handle, academic_year=run.academic_year, run=run)
    except Exception:
        if run.status == Status.RUNNING:  # broken before the lines were read (reading the file)
            fail(run)
        raise
    finally:
        forget_stored_file(run)


def forget_stored_file(run: ImportRun) -> None:
    """Delete the run's uploaded file from storage (if it is still there) and forget its name."""
    if run.stored_file:
        default_storage.delete(run.stored_file)
        ImportRun.objects.filter(pk=run.pk).update(stored_file="")
        run.stored_file = ""


class ImportCommand(BaseCommand):
    """What the import commands share: the campaign (--year), the file, the report, and
    --background (queue the import and say where to follow it rather than wait for it)."""

    year_help = "academic year, e.g. 2024-2025 (default: the current campaign)"

    def add_arguments(self, parser):
        parser.add_argument("--year", metavar="CODE", help=self.year_help)
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the import for the task worker, print the run's number and the address "
            "of its progress page, and return at once (the file is copied to the file storage)",
        )

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

    def start_path(self, start_function, kind: str, name: str, year: AcademicYear) -> ImportRun:
        """Queue the import of the file at `name` (`services.start_import`, passed by the command:
        this module is below it)."""
        path = Path(name)
        try:
            with path.open("rb") as handle:
                return start_function(kind, handle, academic_year=year, user=None, file_name=path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None

    def report_queued(self, run: ImportRun) -> None:
        # The address without a language prefix: the admin in the site's own language.
        with translation.override(settings.LANGUAGE_CODE):
            address = reverse("admin:admissions_importrun_progress", args=[run.pk])
        self.stdout.write(f"Import run {run.pk} queued; its progress: {address}")

    def report(self, run: ImportRun) -> None:
        for line in report_lines(run):
            self.stdout.write(line)
        if run.status == Status.FAILED:
            raise CommandError("The import failed: see the reasons above.")
