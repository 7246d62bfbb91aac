"""Exports: remember each agent's columns, stream small exports at once, prepare large ones in
the task queue for their requester only, and forget the files after a while."""

import datetime
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from matricule.audit.services import record
from matricule.backoffice.models import ExportJob, ExportPreference
from matricule.institution.models import AcademicYear

from .base import Column, Exporter, get_exporter
from .formats import csv_chunks, write_xlsx

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}
# A job's rows written so far are saved this often (one UPDATE), for its progress page.
PROGRESS_EVERY = 1000


def sync_max_rows() -> int:
    """Above this many rows an export goes through the task queue rather than the request."""
    return getattr(settings, "MATRICULE_EXPORT_SYNC_MAX_ROWS", 5000)


# How a queued job reaches the task queue: set by matricule.backoffice.tasks when the app is ready
# (the task imports this module, never the reverse).
_queue: dict[str, Callable[[int], object]] = {}


def queue_jobs_with(enqueue: Callable[[int], object]) -> None:
    _queue["enqueue"] = enqueue


def retention() -> datetime.timedelta:
    """Prepared files hold personal data: they are deleted after this long."""
    return datetime.timedelta(days=getattr(settings, "MATRICULE_EXPORT_RETENTION_DAYS", 7))


@dataclass
class ExportRequest:
    exporter: Exporter
    year: AcademicYear
    columns: list[str]
    format: str
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def chosen_columns(self) -> list[Column]:
        return self.exporter.chosen(self.columns)

    def params(self) -> dict:
        return {"year": self.year.pk, "filters": self.filters, "columns": self.columns}

    def audit_data(self) -> dict:
        return {
            "exporter": self.exporter.code,
            "year": self.year.code,
            "format": self.format,
            "columns": self.columns,
            "filters": self.filters,
        }


@dataclass
class DirectExport:
    """A small export, to be streamed in the response."""

    request: ExportRequest
    queryset: QuerySet
    rows: int


def file_name(exporter_code: str, year_code: str, format: str) -> str:
    return f"{exporter_code}-{year_code}-{timezone.localtime():%Y%m%d-%H%M}.{format}"


def preferred_columns(user, exporter: Exporter) -> list[str]:
    """The columns the agent chose last time (those that still exist), else the defaults."""
    saved = (
        ExportPreference.objects.filter(user=user, exporter=exporter.code)
        .values_list("columns", flat=True)
        .first()
    )
    known = set(exporter.column_codes())
    kept = [code for code in saved or [] if code in known]
    return kept or exporter.default_columns


def save_preference(user, exporter: Exporter, columns: list[str]) -> ExportPreference:
    with transaction.atomic():
        preference, _created = ExportPreference.objects.update_or_create(
            user=user, exporter=exporter.code, defaults={"columns": list(columns)}
        )
    return preference


def request_export(request: ExportRequest, *, user, language: str) -> DirectExport | ExportJob:
    """Remember the columns, count the rows in the agent's scope, and either hand back what to
    stream now or queue a job (returned) whose file the agent downloads later."""
    exporter = request.exporter
    with transaction.atomic():
        save_preference(user, exporter, request.columns)
        queryset = exporter.queryset(user=user, year=request.year, filters=request.filters)
        rows = queryset.count()
        if rows <= sync_max_rows():
            record("backoffice.export.streamed", actor=user, rows=rows, **request.audit_data())
            return DirectExport(request=request, queryset=queryset, rows=rows)
        job = ExportJob.objects.create(
            user=user,
            exporter=exporter.code,
            # The rows counted now: the end of the progress bar (the scope is read again later).
            params={**request.params(), "expected_rows": rows},
            format=request.format,
            language=language,
        )
        record("backoffice.export.queued", actor=user, obj=job, rows=rows, **request.audit_data())
        transaction.on_commit(lambda: _queue["enqueue"](job.pk))
    return job


def write_file(
    exporter: Exporter,
    queryset: QuerySet,
    columns: list[Column],
    format: str,
    handle,
    *,
    language: str,
    on_progress: Callable[[int], object] | None = None,
) -> int:
    """Write the export to an open binary file; returns the number of rows. `on_progress` is
    told the rows written so far every `PROGRESS_EVERY` rows."""
    rows = exporter.rows(queryset, columns)
    header = [column.label for column in columns]
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            if on_progress is not None and count % PROGRESS_EVERY == 0:
                on_progress(count)
            yield row

    if format == "xlsx":
        return write_xlsx(handle, exporter.title, header, counted(), language=language)
    for chunk in csv_chunks(header, counted(), language=language):
        handle.write(chunk)
    return count


def run_job(job_id: int) -> int:
    """Prepare a queued export (the task's body). Runs once: a job done or failed is left alone;
    one found running was taken by a task whose worker died (the queue hands a task over only
    then) and is prepared again. The agent's scope is read now, so components they lost since
    asking are not exported."""
    purge_expired_jobs()
    jobs = ExportJob.objects.filter(pk=job_id)
    taken = jobs.filter(status=ExportJob.Status.QUEUED).update(status=ExportJob.Status.RUNNING)
    if not taken and not jobs.filter(status=ExportJob.Status.RUNNING).update(rows=None):
        return 0
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    try:
        exporter = get_exporter(job.exporter)
        year = AcademicYear.objects.get(pk=job.params["year"])
        columns = exporter.chosen(job.params["columns"])
        queryset = exporter.queryset(user=job.user, year=year, filters=job.params.get("filters"))
        name = file_name(exporter.code, year.code, job.format)
        with tempfile.TemporaryFile() as handle:
            rows = write_file(
                exporter,
                queryset,
                columns,
                job.format,
                handle,
                language=job.language,
                on_progress=lambda written: ExportJob.objects.filter(pk=job_id).update(rows=written),
            )
            handle.seek(0)
            job.file.save(name, File(handle), save=False)
    except Exception:
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.FAILED, finished_at=timezone.now())
        raise
    job.status, job.rows, job.file_name, job.finished_at = ExportJob.Status.DONE, rows, name, timezone.now()
    job.save(update_fields=["status", "rows", "file", "file_name", "finished_at"])
    record("backoffice.export.prepared", obj=job, rows=rows)
    return rows


def downloaded(job: ExportJob, *, user) -> None:
    record("backoffice.export.downloaded", actor=user, obj=job, exporter=job.exporter, rows=job.rows)


def purge_expired_jobs() -> int:
    """Delete prepared exports (files and rows) older than the retention period."""
    expired = list(ExportJob.objects.filter(created_at__lt=timezone.now() - retention()))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
        job.delete()
    if expired:
        record("backoffice.export.purged", count=len(expired))
    return len(expired)
