"""Import of Parcoursup admitted candidates, from a CSV file or from the web service.

Both sources become the same rows (dicts of text keyed by the CSV column names of the import
format, `numero_parcoursup`, `nom`…), checked here and written by the runner all imports
share (`runs.py`: streaming, batches, issues, the run's lifecycle). What is the admissions
import's own: its columns, its line checks, and a candidate identical to what is stored (same
data, same stage) changing nothing.
"""

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from matricule.institution.models import AcademicYear, Stage

from . import runs
from .models import (
    PARCOURSUP_NUMBER_MAX_DIGITS,
    Candidate,
    ImportIssue,
    ImportRun,
    Phase,
    Situation,
    normalize_email,
    normalize_parcoursup_number,
)

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
# The labels establishments' exports and spreadsheets give the columns, besides their names;
# headers are compared folded (`runs.fold`: case, accents, spaces, hyphens and underscores
# aside), so `DATE DE NAISSANCE` is `Date de naissance`. When a file has several headers for
# a column, its name wins, then the labels in this order (`Code formation` over
# `Formation`). No label that may head other values than the column's: `Genre` or `Civilité`
# (`Féminin`, `Mme`) for `sexe`, `Situation` (`Oui définitif`) for `code_situation`.
COLUMN_LABELS = {
    "numero_parcoursup": (
        "Numéro Parcoursup",
        "N° Parcoursup",
        "No Parcoursup",
        "Numéro candidat",
        "N° candidat",
        "Code candidat",
    ),
    "nom": ("Nom", "Nom de naissance", "Nom de famille"),
    "prenom": ("Prénom", "Prénom(s)", "Prénoms"),
    "date_naissance": ("Date de naissance", "Date naissance"),
    "email": ("Adresse électronique", "E-mail", "Adresse e-mail", "Adresse mail", "Mail"),
    "code_formation_psup": (
        "Code formation Parcoursup",
        "Code formation",
        "Code de la formation",
        "Formation",
    ),
    "code_situation": ("Code situation", "Code de situation"),
    "ine": ("INE", "N° INE", "Numéro INE"),
    "sexe": ("Sexe",),
    "telephone": ("Téléphone", "Téléphone portable", "Téléphone mobile"),
    "commune_naissance": ("Commune de naissance", "Ville de naissance", "Lieu de naissance"),
    "pays_naissance": ("Pays de naissance",),
    "nationalite": ("Nationalité",),
    "adresse": ("Adresse", "Adresse postale"),
    "code_postal": ("Code postal", "CP"),
    "ville": ("Ville", "Commune de résidence"),
    "pays": ("Pays", "Pays de résidence"),
    "bac_annee": ("Année du bac", "Année bac", "Année du baccalauréat"),
    "bac_serie": ("Série du bac", "Série bac", "Série du baccalauréat"),
    "bac_mention": ("Mention au bac", "Mention bac", "Mention du baccalauréat"),
    "uai_lycee": ("UAI du lycée", "UAI lycée", "Code UAI"),
    "date_reponse": ("Date de réponse", "Date réponse"),
    "phase": ("Phase",),
    "boursier": ("Boursier",),
}
COLUMNS = runs.Columns(REQUIRED_COLUMNS, OPTIONAL_COLUMNS, labels=COLUMN_LABELS)

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


@dataclass
class _Row:
    line: int
    number: str
    fields: dict
    stage_id: int | None
    checksum: str
    warnings: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.number

    @property
    def fingerprint(self) -> str:
        return self.checksum

    @property
    def stored(self) -> tuple[str, int | None]:
        # A candidate whose offer code was mapped (or unmapped) since is updated too.
        return self.checksum, self.stage_id


# --- Reading the file ---------------------------------------------------------------------


def _row_maker(columns: list[str | None]):
    positions = {name: index for index, name in enumerate(columns) if name is not None}

    def make_row(cells: list[str]) -> dict | None:
        if not any(cell.strip() for cell in cells):
            return None
        return {
            name: (cells[index].strip() if index < len(cells) else "") for name, index in positions.items()
        }

    return make_row


def read_csv_rows(fileobj, encoding: str) -> runs.CsvRows:
    """(line number, {column: value}) for each non-blank data line (see `runs.CsvRows`)."""
    return runs.read_csv_rows(fileobj, encoding, columns=COLUMNS, shape=_row_maker)


# --- Checking one row ---------------------------------------------------------------------


def _parse_date(value: str, pattern: re.Pattern) -> tuple[datetime.date | None, str | None, dict]:
    """The date, or None, the issue code and its parameters besides the value: a date not
    written DD/MM/YYYY, or written so but impossible (a 13th month, a 31 February)."""
    match = pattern.fullmatch(value)
    if not match:
        return None, "date_format", {}
    day, month, year = (int(part) for part in match.groups()[:3])
    if not 1 <= month <= 12:
        # Often a date written month first: say which part is wrong.
        return None, "date_month", {"month": month}
    try:
        return datetime.date(year, month, day), None, {}
    except ValueError:
        return None, "date_impossible", {}


def _number_issue(value: str) -> tuple[str, dict]:
    """Why `value` (which `normalize_parcoursup_number` refused) is no Parcoursup number: not
    written as one, or written with digits but zero or too long to be one."""
    digits = value.strip()
    if digits[:1] in ("P", "p"):
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit()):
        return "parcoursup_number", {}
    if not digits.strip("0"):
        return "parcoursup_number_zero", {}
    return "parcoursup_number_long", {
        "digits": len(digits.lstrip("0")),
        "max": PARCOURSUP_NUMBER_MAX_DIGITS,
    }


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
        raw_number = row.get("numero_parcoursup", "")
        issues = runs.LineIssues(line, fields={"parcoursup_number": raw_number[:30]})
        error, warning = issues.error, issues.warning

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
                code, params = _number_issue(raw_number)
                error("numero_parcoursup", code, value=raw_number[:50], **params)

        birth_date = None
        if value := row.get("date_naissance", ""):
            birth_date, code, params = _parse_date(value, DATE_RE)
            if code:
                error("date_naissance", code, value=value[:50], **params)

        response_date = None
        if value := row.get("date_reponse", ""):
            response_date, code, params = _parse_date(value, DATE_TIME_RE)
            if code:
                error("date_reponse", code, value=value[:50], **params)

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

        if issues.errors:
            return None, issues.errors

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
            warnings=issues.warnings,
        ), []


# --- Writing ------------------------------------------------------------------------------


class _Importer(runs.BatchImporter):
    kind = ImportRun.Kind.ADMISSIONS
    event = "admissions.import.finished"
    event_fields = ("source",)
    read_rows = staticmethod(read_csv_rows)

    def __init__(self, run: ImportRun):
        super().__init__(run, _CandidateWriter(run.academic_year_id))
        self.checker = _RowChecker(stage_mapping())

    def check(self, line: int, row) -> tuple[_Row | None, list[ImportIssue]]:
        if not isinstance(row, dict):  # a web-service record that is not a JSON object
            return None, [runs.file_issue("not_a_record", line=line)]
        return self.checker.check(line, row)

    def duplicate(self, row: _Row, previous_line: int) -> ImportIssue:
        line = runs.LineIssues(row.line, fields={"parcoursup_number": row.number})
        return line.issue(Severity.WARNING, "numero_parcoursup", "duplicate_number", {"line": previous_line})

    def count(self, row: _Row) -> None:
        run = self.run
        if row.stage_id is None:
            run.unmapped += 1
        if row.fields["situation"] != Situation.ACCEPTED:
            run.not_accepted += 1


class _CandidateWriter(runs.Writer):
    """The candidates of a batch: dates and booleans are prepared by their field, text goes as
    it is (preparing every value through its field was most of the import's time)."""

    model = Candidate
    PREPARED_TYPES = {"DateField", "BooleanField"}

    def __init__(self, year_id: int):
        super().__init__()
        self.year_id = year_id
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

    def existing(self, rows: dict[str, _Row]) -> dict[str, tuple[int, tuple[str, int | None]]]:
        """Parcoursup number → (pk, (checksum, stage id)) of the year's stored candidates among
        `rows`, in one query."""
        return {
            number: (pk, (checksum, stage_id))
            for number, pk, checksum, stage_id in Candidate.objects.using(self.alias)
            .filter(academic_year_id=self.year_id, parcoursup_number__in=list(rows))
            .values_list("parcoursup_number", "pk", "source_checksum", "stage_id")
        }

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

    def insert_params(self, rows: list[_Row], run: ImportRun, now) -> list:
        base = {**self.defaults, "academic_year_id": self.year_id, "created_at": now}
        return [
            self._values(
                self.insert_plan,
                {**base, "parcoursup_number": row.number, **self._row_values(row, run.pk, now)},
            )
            for row in rows
        ]

    def update_params(self, rows: list[tuple[int, _Row]], run: ImportRun, now) -> list:
        return [[*self._values(self.update_plan, self._row_values(row, run.pk, now)), pk] for pk, row in rows]


def stage_mapping() -> dict[str, int]:
    """Parcoursup offer code (upper case) → stage id, read once per import."""
    return {
        code.strip().upper(): pk
        for pk, code in Stage.objects.exclude(parcoursup_code="").values_list("pk", "parcoursup_code")
    }


def import_rows(rows: Iterable[tuple[int, dict]], **options) -> ImportRun:
    """Import (line number, row) pairs; `options` as `runs.run_import` (academic_year, user,
    source, file_name, checksum). Returns the finished run."""
    return runs.run_import(_Importer, rows, **options)


def import_file(fileobj, *, academic_year: AcademicYear, user=None, file_name: str = "") -> ImportRun:
    """Import a CSV export of admitted candidates (a binary file object)."""
    return runs.import_file(_Importer, fileobj, academic_year=academic_year, user=user, file_name=file_name)


def import_stored(run: ImportRun) -> ImportRun:
    """Import the file a run taken from the queue keeps in storage (the task's work)."""
    return runs.import_stored(_Importer, run)
