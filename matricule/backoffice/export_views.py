"""The export page (`/gestion/exports/`): choose an export, its year, filters, columns and
format; small exports download at once, large ones are prepared in the background and followed
on their progress page (the one every long job shows, `matricule.progress`), for their
requester only."""

import tempfile

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from matricule.accounts.staff import staff_required
from matricule.progress import Progress, render_progress

from .access import get_export_for_download
from .exports import all_exporters, get_exporter, services
from .exports.formats import csv_chunks
from .exports.forms import ExportForm
from .models import ExportJob

RECENT_JOBS = 10


def _jobs_context(user, exporter) -> dict:
    jobs = list(
        ExportJob.objects.filter(user=user).only(
            "pk", "exporter", "format", "status", "rows", "file", "file_name", "created_at"
        )[:RECENT_JOBS]
    )
    for job in jobs:
        known = get_exporter(job.exporter)
        job.title = known.title if known else job.exporter
    pending = any(job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING) for job in jobs)
    return {"jobs": jobs, "pending": pending, "exporter": exporter}


def _stream(export: services.DirectExport, language: str):
    request = export.request
    columns = request.chosen_columns
    name = services.file_name(request.exporter.code, request.year.code, request.format)
    if request.format == "csv":
        rows = request.exporter.rows(export.queryset, columns)
        response = StreamingHttpResponse(
            csv_chunks([column.label for column in columns], rows, language=language),
            content_type=services.CONTENT_TYPES["csv"],
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        # XLSX is a zip written at the end: built in a temporary file (spilled to disk if large).
        # FileResponse closes it once sent.
        handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        services.write_file(request.exporter, export.queryset, columns, "xlsx", handle, language=language)
        handle.seek(0)
        response = FileResponse(
            handle, as_attachment=True, filename=name, content_type=services.CONTENT_TYPES["xlsx"]
        )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required
def index(request):
    exporters = all_exporters()
    exporter = get_exporter(request.POST.get("export") or request.GET.get("export")) or exporters[0]
    user = request.user
    if request.method == "POST":
        form = ExportForm(exporter, user, data=request.POST)
        if form.is_valid():
            outcome = services.request_export(form.export_request(), user=user, language=get_language())
            if isinstance(outcome, services.DirectExport):
                return _stream(outcome, get_language())
            # Prepared in the background: its progress page, then the download from there.
            return redirect("exports:progress", outcome.pk)
    else:
        form = ExportForm(exporter, user, initial={"columns": services.preferred_columns(user, exporter)})
    context = _jobs_context(user, exporter)
    if request.headers.get("HX-Request") and request.GET.get("part") == "jobs":
        return render(request, "backoffice/exports/_jobs.html", context)
    return render(
        request,
        "backoffice/exports/index.html",
        {
            **context,
            "exporters": exporters,
            "form": form,
            "sync_max_rows": services.sync_max_rows(),
        },
    )


@never_cache
@require_GET
@staff_required
def download(request, pk: int):
    """A prepared export, for the agent who asked for it only (404 for anyone else)."""
    job = get_export_for_download(request.user, pk)
    services.downloaded(job, user=request.user)
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=services.CONTENT_TYPES.get(job.format),
    )
    response["Cache-Control"] = "private, no-store"
    return response


def job_progress(job: ExportJob) -> Progress:
    """What the progress page says of an export prepared in the background: rows written of
    those counted when it was asked for, then the download link."""
    known = get_exporter(job.exporter)
    failed = job.status == ExportJob.Status.FAILED
    return Progress(
        title=f"{_('Exports')} · {known.title if known else job.exporter}",
        status=job.status,
        status_label=job.get_status_display(),
        finished=job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED),
        failed=failed,
        done=job.rows or 0,
        total=(job.params or {}).get("expected_rows"),
        counts=[(_("Rows"), job.rows or 0)],
        fragment_url=reverse("exports:progress-fragment", args=[job.pk]),
        result_url=reverse("exports:download", args=[job.pk]) if job.downloadable else "",
        result_label=_("Download %(name)s") % {"name": job.file_name},
        notes=[
            _("The export could not be prepared. Ask for it again; if it fails again, tell the support team.")
        ]
        if failed
        else [],
    )


def _progress(request, pk: int, *, fragment: bool):
    # The requester's own job only (administrators included): 404 for anyone else.
    job = ExportJob.objects.filter(pk=pk, user=request.user).first()
    if job is None:
        raise Http404
    return render_progress(
        request,
        job_progress(job),
        base_template="backoffice/exports/progress_page.html",
        fragment=fragment,
        context={"job": job},
    )


@never_cache
@require_GET
@staff_required
def progress(request, pk: int):
    """The progress page of an export prepared in the background, for the agent who asked for it."""
    return _progress(request, pk, fragment=False)


@never_cache
@require_GET
@staff_required
def progress_fragment(request, pk: int):
    """The part of the progress page htmx replaces every two seconds while the export runs."""
    return _progress(request, pk, fragment=True)
