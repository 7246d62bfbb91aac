"""Admitted candidates and last year's results sent as JSON: the same checks, counts and
idempotence as the CSV imports, because they go through the same importers (admissions'
`importer.import_rows` for candidates; the results importer reads the records as the CSV file
they would have been). What is the API's own: values that are not text, and records of a stage
outside the client's components, are refused here, each with its position."""

import csv
import hashlib
import io
import json

from django.utils.translation import gettext_lazy as _

from matricule.admissions import importer, results_importer
from matricule.admissions.models import ImportIssue, ImportRun
from matricule.audit.services import record
from matricule.institution.models import AcademicYear, Stage

from .models import ApiClient
from .scope import component_ids

CANDIDATE_COLUMNS = (*importer.REQUIRED_COLUMNS, *importer.OPTIONAL_COLUMNS)
RESULT_COLUMNS = results_importer.REQUIRED_COLUMNS
# The API's own reasons for refusing a record (the importers' are in admissions.models).
MESSAGES = {
    "not_text": _("This value is not text."),
    "out_of_scope": _("This programme stage is not in the components of the API client."),
}


class Refusal:
    """A record refused before the importer, as the answer lists it."""

    def __init__(self, item: int, column: str, code: str, **params):
        self.item, self.column, self.code, self.params = item, column, code, params

    def as_answer(self) -> dict:
        if self.code in MESSAGES:
            message = str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])
        else:
            message = ImportIssue(code=self.code, params=self.params).message
        return {
            "item": self.item,
            "column": self.column,
            "severity": ImportIssue.Severity.ERROR,
            "code": self.code,
            "message": message,
            "params": self.params,
        }


def _text(value) -> str | None:
    """A JSON value as the text a CSV cell would hold; None when it cannot be one."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or "\x00" in value:
        return None
    return value.strip()


def _as_row(item: int, record, columns, refused: list[Refusal]) -> dict | None:
    """The record's known columns as text; None (and a refusal) when a value is not text.
    Unknown keys are ignored, as unknown columns of a file are."""
    row = {}
    for column in columns:
        if column not in record:
            continue
        text = _text(record[column])
        if text is None:
            refused.append(Refusal(item, column, "not_text"))
            return None
        row[column] = text
    return row


def _allowed_stages(client: ApiClient) -> set[int] | None:
    ids = component_ids(client)
    if ids is None:
        return None
    return set(Stage.objects.filter(programme__component_id__in=ids).values_list("pk", flat=True))


def _checksum(records: list) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()


def import_candidates(client: ApiClient, records: list, academic_year: AcademicYear) -> dict:
    """Import the records (objects keyed by the CSV columns); the answer with the run's counts
    and every issue by the record's position (from 1)."""
    allowed = _allowed_stages(client)
    mapping = importer.stage_mapping() if allowed is not None else {}
    refused: list[Refusal] = []

    def rows():
        for item, entry in enumerate(records, start=1):
            if not isinstance(entry, dict):
                yield item, entry  # the importer says it is not an object
                continue
            row = _as_row(item, entry, CANDIDATE_COLUMNS, refused)
            if row is None:
                continue
            code = row.get("code_formation_psup", "")
            if allowed is not None and code and mapping.get(code.upper()) not in allowed:
                refused.append(Refusal(item, "code_formation_psup", "out_of_scope"))
                continue
            yield item, row

    run = importer.import_rows(
        rows(),
        academic_year=academic_year,
        user=client.user,
        source=ImportRun.Source.FILE,
        file_name=f"API {client.name}",
        checksum=_checksum(records),
    )
    return _answer(client, run, records, refused, first_line=1, action="api.candidates_imported")


def import_results(client: ApiClient, records: list, academic_year: AcademicYear) -> dict:
    """Import the records (numero_etudiant, annee, code_etape, resultat) through the results
    importer, as the CSV file they make: record n is line n + 1 (the header is line 1); a
    record refused here is written as a blank line, which the importer skips."""
    allowed = _allowed_stages(client)
    codes = results_importer.stage_codes() if allowed is not None else {}
    refused: list[Refusal] = []
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    blank = [""] * len(RESULT_COLUMNS)
    for item, entry in enumerate(records, start=1):
        if not isinstance(entry, dict):
            refused.append(Refusal(item, "", "not_a_record"))
            writer.writerow(blank)
            continue
        row = _as_row(item, entry, RESULT_COLUMNS, refused)
        if row is None:
            writer.writerow(blank)
            continue
        values = [row.get(column, "") for column in RESULT_COLUMNS]
        if not any(values):
            # A blank line of a file is skipped; a record sent empty is an error.
            refused.append(Refusal(item, RESULT_COLUMNS[0], "required"))
            writer.writerow(blank)
            continue
        stage = row.get("code_etape", "")
        if allowed is not None and stage:
            stage_id = codes.get(stage) or codes.get(stage.upper())
            if stage_id is not None and stage_id not in allowed:
                refused.append(Refusal(item, "code_etape", "out_of_scope"))
                writer.writerow(blank)
                continue
        writer.writerow(values)
    run = results_importer.import_results(
        io.BytesIO(buffer.getvalue().encode()),
        academic_year=academic_year,
        user=client.user,
        file_name=f"API {client.name}",
    )
    return _answer(client, run, records, refused, first_line=2, action="api.results_imported")


def _answer(client, run: ImportRun, records: list, refused: list[Refusal], *, first_line: int, action: str):
    issues = [refusal.as_answer() for refusal in refused]
    for issue in run.issues.order_by("line_number", "pk"):
        issues.append(
            {
                "item": None if issue.line_number is None else issue.line_number - first_line + 1,
                "column": issue.column,
                "severity": issue.severity,
                "code": issue.code,
                "message": issue.message,
                "params": issue.params or {},
            }
        )
    issues.sort(key=lambda issue: (issue["item"] or 0, issue["severity"] != "error"))
    record(action, actor=client.user, obj=run, api_client=client.pk, received=len(records))
    return {
        "run": run.pk,
        "status": run.status,
        "received": len(records),
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected + len(refused),
        "issues": issues,
    }
