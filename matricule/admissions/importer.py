"""Import of Parcoursup admitted candidates, from a CSV file or from the web service.

Both sources become the same rows (dicts of text keyed by the CSV column names of the import
format, `numero_parcoursup`, `nom`…), checked and written by one pipeline:

- the file is read as a stream (twice: once to detect the encoding and hash it, once to
  import), so memory does not grow with its size; rows are written in batches, each in its
  own transaction, with one query to fetch the existing candidates of the batch;
- every bad line is reported with its number (the header is line 1, as in a spreadsheet),
  its column and a reason, while the good lines are imported;
- a line identical to what is stored (same data, same stage) changes nothing, so importing
  the same file twice is a no-op and a newer file updates without duplicating.
"""

import codecs
import csv
import datetime
import hashlib
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections, router, transaction
from django.utils import timezone

from matricule.audit.services import record
from matricule.institution.models import AcademicYear, Stage

from .models import (
    Candidate,
    ImportIssue,
    ImportRun,
    Phase,
    Situation,
    normalize_email,
    normalize_parcoursup_number,
)

BATCH_SIZE = 1000
CHUNK_SIZE = 1 << 20
Severity = ImportIssue.Severity

REQUIRED_COLUMNS = (
    "numero_parcoursup",
    "nom",
    "prenom",
    "date_naissance",
    "email",
    "code_formation_psup",
    "code_situation",
)
OPTIONAL_COLUMNS = (
    "ine",
    "sexe",
    "telephone",
    "commune_naissance",
    "pays_naissance",
    "nationalite",
    "adresse",
    "code_postal",
    "ville",
    "pays",
    "bac_annee",
    "bac_serie",
    "bac_mention",
    "uai_lycee",
    "date_reponse",
    "phase",
    "boursier",
)
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Free-text columns: CSV column → model field (their maximum length comes from the model).
TEXT_COLUMNS = {
    "nom": "last_name",
    "prenom": "first_names",
    "telephone": "phone",
    "commune_naissance": "birth_town",
    "pays_naissance": "birth_country",
    "nationalite": "nationality",
    "adresse": "address",
    "code_postal": "postal_code",
    "ville": "city",
    "pays": "country",
    "bac_serie": "bac_series",
    "bac_mention": "bac_honours",
    "uai_lycee": "school_uai",
    "code_formation_psup": "parcoursup_offer_code",
}
MAX_LENGTHS = {column: Candidate._meta.get_field(name).max_length for column, name in TEXT_COLUMNS.items()}
MAX_LENGTHS["email"] = Candidate._meta.get_field("email").max_length

# The fields an import writes, in the order they are hashed (changing it changes every hash,
# which only costs one full update on the next import).
DATA_FIELDS = (
    "ine",
    "last_name",
    "first_names",
    "sex",
    "birth_date",
    "email",
    "phone",
    "birth_town",
    "birth_country",
    "nationality",
    "address",
    "postal_code",
    "city",
    "country",
    "bac_year",
    "bac_series",
    "bac_honours",
    "school_uai",
    "parcoursup_offer_code",
    "situation",
    "response_date",
    "phase",
    "grant_holder_hint",
)
UPDATE_FIELDS = (*DATA_FIELDS, "email_lower", "stage", "source_checksum", "last_import_run", "updated_at")

DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
# The web service writes answer dates with a time (`10/07/2024 14:32`); only the day is kept.
DATE_TIME_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", re.ASCII)
INE_RE = re.compile(r"[0-9A-Z]{11}")
SITUATIONS = {choice.value for choice in Situation}
PHASES = {
    "principale": Phase.MAIN,
    "complementaire": Phase.COMPLEMENTARY,
    "complémentaire": Phase.COMPLEMENTARY,
}


class FileError(Exception):
    """The whole file cannot be imported; `issues` say why."""

    def __init__(self, issues: list[ImportIssue]):
        super().__init__(", ".join(issue.code for issue in issues))
        self.issues = issues


@dataclass
class _Row:
    line: int
    number: str
    fields: dict
    stage_id: int | None
    checksum: str
    warnings: list = field(default_factory=list)


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


def _file_issue(
    code: str, *, line: int | None = 1, column: str = "", params: dict | None = None
) -> ImportIssue:
    return ImportIssue(
        line_number=line, column=column, severity=Severity.ERROR, code=code, params=params or {}
    )


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
    raise FileError([_file_issue("file_empty", line=None)])


def check_header(header: list[str], line: int, *, known, required) -> None:
    """Duplicated known columns, missing required ones, or a file cut with another separator."""
    issues = []
    seen = set()
    for name in header:
        if name in known and name in seen:
            issues.append(_file_issue("column_duplicate", line=line, column=name, params={"column": name}))
        seen.add(name)
    missing = [name for name in required if name not in seen]
    if missing and len(header) == 1 and ("," in header[0] or "\t" in header[0]):
        issues.append(_file_issue("file_separator", line=line))
    else:
        issues.extend(
            _file_issue("column_missing", line=line, column=name, params={"column": name}) for name in missing
        )
    if issues:
        raise FileError(issues)


def malformed(error: csv.Error, line: int) -> FileError:
    return FileError([_file_issue("file_malformed", line=line, params={"detail": str(error)[:200]})])


def read_csv_rows(fileobj, encoding: str) -> Iterator[tuple[int, dict]]:
    """(line number, {column: value}) for each non-blank data line; header checked first.

    Raises FileError when the header makes the file unusable, or when the CSV structure
    breaks (the lines before it have then been yielded and imported).
    """
    reader = open_csv(fileobj, encoding)
    line = 0
    try:
        header, line = read_header(reader)
        check_header(header, line, known=KNOWN_COLUMNS, required=REQUIRED_COLUMNS)
        positions = {}
        for index, name in enumerate(header):
            if name in KNOWN_COLUMNS:
                positions[name] = index
        for cells in reader:
            line += 1
            # Spreadsheets keep blank rows in their numbering; so do we, but skip them.
            if not any(cell.strip() for cell in cells):
                continue
            yield (
                line,
                {
                    name: (cells[index].strip() if index < len(cells) else "")
                    for name, index in positions.items()
                },
            )
    except csv.Error as error:
        raise malformed(error, line + 1) from None


# --- Checking one row ---------------------------------------------------------------------


def _parse_date(value: str, pattern: re.Pattern) -> tuple[datetime.date | None, str | None]:
    match = pattern.fullmatch(value)
    if not match:
        return None, "date_format"
    day, month, year = (int(part) for part in match.groups()[:3])
    try:
        return datetime.date(year, month, day), None
    except ValueError:
        return None, "date_impossible"


def _row_checksum(values: dict) -> str:
    parts = []
    for name in DATA_FIELDS:
        value = values[name]
        parts.append("" if value is None else str(value))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class _RowChecker:
    """Turns one row (dict of strings) into candidate fields, or a list of errors."""

    def __init__(self, stage_by_code: dict[str, int]):
        self.stage_by_code = stage_by_code

    def check(self, line: int, row: dict) -> tuple[_Row | None, list[ImportIssue]]:
        errors: list[ImportIssue] = []
        warnings: list[ImportIssue] = []
        raw_number = row.get("numero_parcoursup", "")

        def error(column, code, **params):
            errors.append(
                ImportIssue(
                    line_number=line,
                    column=column,
                    severity=Severity.ERROR,
                    code=code,
                    params=params,
                    parcoursup_number=raw_number[:30],
                )
            )

        def warning(column, code, **params):
            warnings.append(
                ImportIssue(
                    line_number=line,
                    column=column,
                    severity=Severity.WARNING,
                    code=code,
                    params=params,
                    parcoursup_number=raw_number[:30],
                )
            )

        for column in REQUIRED_COLUMNS:
            if not row.get(column):
                error(column, "required")
        for column, maximum in MAX_LENGTHS.items():
            if len(row.get(column, "")) > maximum:
                error(column, "too_long", max=maximum)

        number = None
        if raw_number:
            number = normalize_parcoursup_number(raw_number)
            if number is None:
                error("numero_parcoursup", "parcoursup_number", value=raw_number[:50])

        birth_date = None
        if value := row.get("date_naissance", ""):
            birth_date, code = _parse_date(value, DATE_RE)
            if code:
                error("date_naissance", code, value=value[:50])

        response_date = None
        if value := row.get("date_reponse", ""):
            response_date, code = _parse_date(value, DATE_TIME_RE)
            if code:
                error("date_reponse", code, value=value[:50])

        email = row.get("email", "")
        if email and len(email) <= MAX_LENGTHS["email"]:
            try:
                validate_email(email)
            except ValidationError:
                error("email", "email", value=email[:100])

        situation = row.get("code_situation", "")
        if situation and situation not in SITUATIONS:
            error("code_situation", "choice", value=situation[:50], allowed="0, 1, 2, 3")

        sex = row.get("sexe", "").upper()
        if sex not in ("", "F", "M"):
            error("sexe", "choice", value=row["sexe"][:50], allowed="F, M")

        grant_hint = None
        if value := row.get("boursier", ""):
            grant_hint = {"O": True, "N": False}.get(value.upper())
            if grant_hint is None:
                error("boursier", "choice", value=value[:50], allowed="O, N")

        phase = ""
        if value := row.get("phase", ""):
            phase = PHASES.get(value.lower())
            if phase is None:
                error("phase", "choice", value=value[:50], allowed="principale, complementaire")

        bac_year = None
        if value := row.get("bac_annee", ""):
            if len(value) == 4 and value.isascii() and value.isdigit():
                bac_year = int(value)
            else:
                error("bac_annee", "year", value=value[:50])

        if errors:
            return None, errors

        ine = row.get("ine", "").upper()
        if ine and not INE_RE.fullmatch(ine):
            warning("ine", "ine", value=row["ine"][:50])
            ine = ""

        offer_code = row["code_formation_psup"]
        stage_id = self.stage_by_code.get(offer_code.upper())
        if stage_id is None:
            warning("code_formation_psup", "unmapped", value=offer_code)
        if situation != Situation.ACCEPTED:
            warning("code_situation", "not_accepted", value=situation)

        fields = {column_field: row.get(column, "") for column, column_field in TEXT_COLUMNS.items()}
        fields.update(
            ine=ine,
            sex=sex,
            birth_date=birth_date,
            email=email,
            bac_year=bac_year,
            situation=situation,
            response_date=response_date,
            phase=phase,
            grant_holder_hint=grant_hint,
        )
        return _Row(
            line=line,
            number=number,
            fields=fields,
            stage_id=stage_id,
            checksum=_row_checksum(fields),
            warnings=warnings,
        ), []


# --- Writing ------------------------------------------------------------------------------


class _Importer:
    def __init__(self, run: ImportRun, stage_by_code: dict[str, int]):
        self.run = run
        self.year_id = run.academic_year_id
        self.checker = _RowChecker(stage_by_code)
        self.writer = _CandidateWriter()
        self.pending: dict[str, _Row] = {}
        self.issues: list[ImportIssue] = []
        # Parcoursup number → (line, checksum) of its latest row met so far in this source,
        # to skip a repeated identical row; grows with the number of candidates, not lines.
        self.seen: dict[str, tuple[int, str]] = {}

    def add_issues(self, issues: Iterable[ImportIssue]) -> None:
        for issue in issues:
            issue.run = self.run
            self.issues.append(issue)

    def feed(self, rows: Iterable[tuple[int, dict]]) -> None:
        run = self.run
        for line, row in rows:
            run.lines_read += 1
            if not isinstance(row, dict):
                run.rejected += 1
                self.add_issues([_file_issue("not_a_record", line=line)])
                continue
            checked, errors = self.checker.check(line, row)
            if checked is None:
                run.rejected += 1
                self.add_issues(errors)
            else:
                self._accept(checked)
            if len(self.pending) >= BATCH_SIZE or len(self.issues) >= BATCH_SIZE:
                self.flush()
        self.flush()

    def _accept(self, row: _Row) -> None:
        run = self.run
        previous = self.seen.get(row.number)
        if previous is not None:
            previous_line, checksum = previous
            if checksum == row.checksum:
                run.unchanged += 1  # the same line again: nothing new to say or store
                return
            row.warnings.append(
                ImportIssue(
                    line_number=row.line,
                    column="numero_parcoursup",
                    severity=Severity.WARNING,
                    code="duplicate_number",
                    params={"line": previous_line},
                    parcoursup_number=row.number,
                )
            )
            if row.number in self.pending:
                # Write the earlier version first, so this one is counted as its update.
                self.flush()
        self.seen[row.number] = (row.line, row.checksum)
        if row.stage_id is None:
            run.unmapped += 1
        if row.fields["situation"] != Situation.ACCEPTED:
            run.not_accepted += 1
        self.add_issues(row.warnings)
        self.pending[row.number] = row

    def flush(self) -> None:
        run = self.run
        writer = self.writer
        with transaction.atomic(using=writer.alias):
            if self.pending:
                existing = {
                    number: (pk, checksum, stage_id)
                    for number, pk, checksum, stage_id in Candidate.objects.using(writer.alias)
                    .filter(academic_year_id=self.year_id, parcoursup_number__in=list(self.pending))
                    .values_list("parcoursup_number", "pk", "source_checksum", "stage_id")
                }
                to_create, to_update = [], []
                for number, row in self.pending.items():
                    known = existing.get(number)
                    if known is None:
                        to_create.append(row)
                    elif known[1:] == (row.checksum, row.stage_id):
                        run.unchanged += 1
                    else:
                        to_update.append((known[0], row))
                writer.insert(to_create, self.year_id, run.pk)
                writer.update(to_update, run.pk)
                run.created += len(to_create)
                run.updated += len(to_update)
            if self.issues:
                ImportIssue.objects.using(writer.alias).bulk_create(self.issues)
        self.pending.clear()
        self.issues.clear()


class _CandidateWriter:
    """Inserts and updates candidates with one `executemany` per batch.

    The ORM's bulk_create prepares every value of every row through the field classes, which
    was most of the import's time; here dates and booleans are prepared by their field, the
    timestamps once per batch, and text goes as it is.
    """

    PREPARED_TYPES = {"DateField", "BooleanField"}

    def __init__(self):
        self.alias = router.db_for_write(Candidate)
        self.connection = connections[self.alias]
        meta = Candidate._meta
        quote = self.connection.ops.quote_name
        insert_fields = [f for f in meta.concrete_fields if not f.primary_key]
        update_fields = [meta.get_field(name) for name in UPDATE_FIELDS]
        # Only names from the model's metadata, quoted; every value is a query parameter.
        self.insert_sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(quote(f.column) for f in insert_fields),
            ", ".join(["%s"] * len(insert_fields)),
        )
        self.update_sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in update_fields),
            quote(meta.pk.column),
        )
        self.insert_plan = [self._plan(f) for f in insert_fields]
        self.update_plan = [self._plan(f) for f in update_fields]
        self.defaults = {f.attname: f.get_default() for f in insert_fields}
        self.timestamp_field = meta.get_field("updated_at")

    def _plan(self, field) -> tuple[str, object]:
        if field.get_internal_type() in self.PREPARED_TYPES:
            return field.attname, field
        return field.attname, None

    def _values(self, plan, values: dict) -> list:
        connection = self.connection
        return [
            field.get_db_prep_save(values[attname], connection) if field is not None else values[attname]
            for attname, field in plan
        ]

    def _now(self):
        return self.timestamp_field.get_db_prep_save(timezone.now(), self.connection)

    @staticmethod
    def _row_values(row: _Row, run_id: int, now) -> dict:
        return {
            **row.fields,
            "email_lower": normalize_email(row.fields["email"]),
            "stage_id": row.stage_id,
            "source_checksum": row.checksum,
            "last_import_run_id": run_id,
            "updated_at": now,
        }

    def insert(self, rows: list[_Row], year_id: int, run_id: int) -> None:
        if not rows:
            return
        now = self._now()
        base = {**self.defaults, "academic_year_id": year_id, "created_at": now}
        params = [
            self._values(
                self.insert_plan,
                {**base, "parcoursup_number": row.number, **self._row_values(row, run_id, now)},
            )
            for row in rows
        ]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.insert_sql, params)

    def update(self, rows: list[tuple[int, _Row]], run_id: int) -> None:
        if not rows:
            return
        now = self._now()
        params = [
            [*self._values(self.update_plan, self._row_values(row, run_id, now)), pk] for pk, row in rows
        ]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.update_sql, params)


def stage_mapping() -> dict[str, int]:
    """Parcoursup offer code (upper case) → stage id, read once per import."""
    return {
        code.strip().upper(): pk
        for pk, code in Stage.objects.exclude(parcoursup_code="").values_list("pk", "parcoursup_code")
    }


def import_rows(
    rows: Iterable[tuple[int, dict]],
    *,
    academic_year: AcademicYear,
    user=None,
    source: str = ImportRun.Source.FILE,
    file_name: str = "",
    checksum: str = "",
) -> ImportRun:
    """Import (line number, row) pairs into `academic_year`; returns the finished run."""
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.ADMISSIONS,
        source=source,
        academic_year=academic_year,
        user=user if getattr(user, "pk", None) else None,
        file_name=file_name[:255],
        checksum=checksum,
    )
    importer = _Importer(run, stage_mapping())
    try:
        importer.feed(rows)
    except FileError as error:
        importer.flush()  # keep what the lines before the break imported, and their issues
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
    run.finished_at = timezone.now()
    run.save()
    record(
        "admissions.import.finished",
        actor=user,
        obj=run,
        status=run.status,
        academic_year=academic_year.code,
        source=source,
        file_name=run.file_name,
        checksum=checksum,
        lines_read=run.lines_read,
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
        unmapped=run.unmapped,
        not_accepted=run.not_accepted,
    )
    return run


def import_file(fileobj, *, academic_year: AcademicYear, user=None, file_name: str = "") -> ImportRun:
    """Import a CSV export of admitted candidates (a binary file object)."""
    file_name = file_name or getattr(fileobj, "name", "") or ""
    fileobj, copy = _seekable(fileobj)
    try:
        encoding, checksum, size, has_nul = inspect_file(fileobj)
        fileobj.seek(0)
        if size == 0:
            rows = _failing([_file_issue("file_empty", line=None)])
        elif has_nul:
            # A spreadsheet (.xlsx, .ods) or another binary file, not its CSV export.
            rows = _failing([_file_issue("file_not_text", line=None)])
        else:
            rows = read_csv_rows(fileobj, encoding)
        return import_rows(
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


def _failing(issues: list[ImportIssue]) -> Iterator[tuple[int, dict]]:
    raise FileError(issues)
    yield  # a generator, so that the error is raised inside import_rows
