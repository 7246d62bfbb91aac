"""How far a long job has gone, as the one progress page of every long job shows it: an import
(admissions), a bulk certificate generation (certificates), an export (backoffice).

Each app describes its own job with a `Progress` and answers with `render_progress` from its own
view, or, for the jobs a model admin lists, with `AdminProgressMixin`; this module knows no app.
The templates (`templates/jobs/`):

- `jobs/progress.html`, the page: extends the `base_template` the view names (the admin's
  `jobs/admin.html`, or an app's own page), which places its blocks `job_head` (in the head) and
  `job_content`. While the job runs, the head holds a `<meta http-equiv="refresh">` inside
  `<noscript>`: a browser without JavaScript reloads the page, one with it does not (htmx does
  the work there, without reloading), and `?manuel=1` stops both (WCAG 2.2.1);
- `jobs/_progress_fragment.html`, the part htmx replaces (`hx-get` on the fragment's address,
  `every 2s`, `outerHTML`): the bar, the counts and, once the job is over, its result. Its answer
  once the job is over has no `hx-trigger`, so the polling stops. The status sentence sits
  outside it, in a `role="status"` element that stays on the page: an answer whose status differs
  from the one the page showed (`?seen=`) updates it out of band, so that screen readers announce
  the change once rather than the whole fragment every two seconds.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers

# Seconds between two looks at a job, with or without JavaScript.
REFRESH_SECONDS = 2
PAGE_TEMPLATE = "jobs/progress.html"
ADMIN_TEMPLATE = "jobs/admin.html"
FRAGMENT_TEMPLATE = "jobs/_progress_fragment.html"
# `?manuel=1` turns the automatic refresh off, as on the waiting room's staff page.
MANUAL_PARAMETER = "manuel"


@dataclass(frozen=True)
class Progress:
    """What the progress page says of one job, in the reader's language.

    `status` is the job's own status value (compared between two looks); `done` of `total` makes
    the bar (no total: a bar without value, "not known yet"); `counts` are (label, value) pairs;
    `result_url` and `result_label` the link shown once the job is over (the report, the file),
    `notes` the sentences shown with it (why it failed)."""

    title: str
    status: str
    status_label: str
    finished: bool
    fragment_url: str
    failed: bool = False
    done: int = 0
    total: int | None = None
    counts: Sequence[tuple[str, int]] = ()
    result_url: str = ""
    result_label: str = ""
    notes: Sequence[str] = ()

    @property
    def percent(self) -> int | None:
        """How much is done, 0 to 100; None when it cannot be told (no total yet, or failed)."""
        if self.failed:
            return None
        if self.finished:
            return 100
        if not self.total:
            return None
        return max(0, min(100, self.done * 100 // self.total))


def render_progress(
    request, progress: Progress, *, base_template: str, fragment: bool = False, context: dict | None = None
) -> TemplateResponse:
    """The progress page (`fragment=False`) or the part htmx replaces in it, never cached.
    `base_template` is the page the progress page extends; `context` what it needs besides."""
    manual = request.GET.get(MANUAL_PARAMETER) == "1"
    seen = request.GET.get("seen")
    response = TemplateResponse(
        request,
        FRAGMENT_TEMPLATE if fragment else PAGE_TEMPLATE,
        {
            **(context or {}),
            "progress": progress,
            "base_template": base_template,
            "refresh_seconds": REFRESH_SECONDS,
            # Polling, meta refresh: only while the job runs and the reader has not stopped them.
            "polling": not progress.finished and not manual,
            "manual": manual,
            # The status sentence, out of band, when it changed since the page last showed it.
            "announce": fragment and seen is not None and seen != progress.status,
        },
    )
    add_never_cache_headers(response)
    return response


class AdminProgressMixin:
    """The progress page of the jobs a model admin lists, in the admin's frame:
    `<id>/progress/` and its fragment `<id>/progress/fragment/`, named
    `<app>_<model>_progress` and `<app>_<model>_progress_fragment`. The model admin adds
    `progress_urls()` to its `get_urls()` and says what the page shows of a job, to whom
    (`job_progress`, which raises PermissionDenied or Http404 for a reader who may not see it)."""

    def job_progress(self, request, object_id) -> Progress:
        raise NotImplementedError

    def progress_urls(self) -> list:
        name = f"{self.model._meta.app_label}_{self.model._meta.model_name}_progress"
        return [
            path("<int:object_id>/progress/", self.admin_site.admin_view(self.progress_view), name=name),
            path(
                "<int:object_id>/progress/fragment/",
                self.admin_site.admin_view(self.progress_fragment_view),
                name=f"{name}_fragment",
            ),
        ]

    def progress_view(self, request, object_id):
        return self._progress(request, object_id, fragment=False)

    def progress_fragment_view(self, request, object_id):
        return self._progress(request, object_id, fragment=True)

    def _progress(self, request, object_id, *, fragment: bool) -> TemplateResponse:
        progress = self.job_progress(request, object_id)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": progress.title}
        return render_progress(
            request, progress, base_template=ADMIN_TEMPLATE, fragment=fragment, context=context
        )
