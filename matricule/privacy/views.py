"""The student's pages of personal data: download all my data (asked here, prepared in the
background, downloaded once ready). Only ever the signed-in person's own exports: anything else
is a 404, never a hint."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from matricule.rows import unique_row

from . import data_export
from .models import DataExport

# Seconds between two looks at an export being prepared, with or without JavaScript.
REFRESH_SECONDS = 5
# `?manuel=1` turns the automatic refresh off (WCAG 2.2.1), as on the progress page of long jobs.
MANUAL_PARAMETER = "manuel"
# What the status line says of the student's latest export.
STATUS = {
    "none": gettext_lazy("You have not asked for your data yet."),
    "expired": gettext_lazy("Your last download has expired: ask again to get a new one."),
    DataExport.State.REQUESTED: gettext_lazy("Your data is being prepared."),
    DataExport.State.READY: gettext_lazy("Your data is ready to download."),
    DataExport.State.FAILED: gettext_lazy("Your data could not be prepared."),
}


def _person(request):
    """The pages are a student's or an admitted candidate's; anybody else (staff) finds nothing."""
    if not data_export.has_personal_data(request.user):
        raise Http404


def _status(export: DataExport | None) -> str:
    if export is None:
        return "none"
    if export.state == DataExport.State.READY and not export.downloadable:
        return "expired"
    return export.state


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    """What the download holds, the button that asks for it, and where it stands. While it is
    being prepared the status part is polled by htmx (`?part=status`), and reloaded without
    JavaScript by a refresh inside <noscript>; `?manuel=1` stops both."""
    _person(request)
    refused = False
    if request.method == "POST":
        try:
            data_export.request_export(request.user, language=request.LANGUAGE_CODE or "fr")
        except data_export.TooManyRequests:
            refused = True
        else:
            return redirect("privacy:my-data")
    export = data_export.latest_export(request.user)
    status = _status(export)
    manual = request.GET.get(MANUAL_PARAMETER) == "1"
    seen = request.GET.get("seen")
    context = {
        "export": export,
        "status": status,
        "status_sentence": STATUS[status],
        "refused": refused,
        # When the student may ask again (None: now), counted from the requests of the last day.
        "limited_until": data_export.limited_until(request.user),
        "max_requests": data_export.MAX_REQUESTS,
        "refresh_seconds": REFRESH_SECONDS,
        "polling": status == DataExport.State.REQUESTED and not manual,
        # Still not prepared long after: its task was lost; asking again queues it again.
        "stale": status == DataExport.State.REQUESTED
        and export.requested_at < timezone.now() - data_export.STALE_AFTER,
        "manual": manual,
        "retention_days": data_export.retention().days,
        "max_bytes": data_export.FILES_MAX_BYTES,
        # The status line again, out of band, only when it changed since the page showed it.
        "announce": seen is not None and seen != status,
    }
    if request.GET.get("part") == "status":
        return render(request, "privacy/_export_status.html", context)
    return render(request, "privacy/my_data.html", context, status=429 if refused else 200)


@login_required
@require_GET
def download(request, pk: int):
    """The student's own ready export, as an attachment; audited."""
    export = unique_row(DataExport.objects.filter(pk=pk, user=request.user))
    if export is None or not export.downloadable:
        raise Http404
    data_export.downloaded(export, user=request.user)
    response = FileResponse(
        export.file.open("rb"),
        content_type="application/zip",
        as_attachment=True,
        filename=f"donnees-personnelles-{timezone.localdate(export.ready_at):%Y-%m-%d}.zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
