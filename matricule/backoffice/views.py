"""The back office's own pages: dashboard, search, the student's file and the audit log."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import staff_required
from matricule.audit.services import record
from matricule.registration.models import Registration, Student

from . import audit_log, event_labels
from .access import get_student_for_staff
from .dashboard import build_dashboard
from .search import MAX_RESULTS, MIN_LENGTH, search_student_ids
from .student_file import build_student_file

SEARCH_PAGE_SIZE = 25


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@never_cache
@staff_required
def dashboard(request):
    figures = build_dashboard(
        request.user,
        component=request.GET.get("component"),
        whole_campaign=request.GET.get("period") == "campaign",
    )
    return render(request, "backoffice/dashboard.html", {"dashboard": figures})


@never_cache
@staff_required
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    ids = search_student_ids(query, request.user)
    page = None
    if ids is not None:
        page = Paginator(ids[:MAX_RESULTS], SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        # The page's students, with their registrations newest first ("latest registration").
        students = (
            Student.objects.select_related("user")
            .prefetch_related(
                Prefetch(
                    "registrations",
                    queryset=Registration.objects.select_related(
                        "academic_year", "stage__programme__component"
                    ).order_by("-academic_year__starts_on", "-created_at"),
                )
            )
            .in_bulk(list(page.object_list))
        )
        page.object_list = [students[pk] for pk in page.object_list if pk in students]
    return render(
        request,
        "backoffice/search.html",
        {
            "query": query,
            "page": page,
            "too_short": bool(query) and ids is None,
            "min_length": MIN_LENGTH,
            "too_many": ids is not None and len(ids) > MAX_RESULTS,
            "max_results": MAX_RESULTS,
        },
    )


@never_cache
@staff_required
def student(request, pk: int):
    file = build_student_file(get_student_for_staff(request.user, pk), request.user)
    # Each look at a student's file is kept: who at the university read it, from which components.
    components = sorted(
        {view.registration.stage.programme.component_id for view in file.registrations if view.in_scope}
    )
    record("backoffice.student_file.viewed", actor=request.user, obj=file.student, components=components)
    return render(request, "backoffice/student.html", {"file": file, "student": file.student})


@never_cache
@staff_required
def audit(request):
    if not audit_log.may_read_audit(request.user):
        raise PermissionDenied
    components = audit_log.readable_components(request.user)
    form = audit_log.AuditFilterForm(request.GET or None, components=components)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = None
    if not form.is_bound or form.is_valid():
        page = audit_log.event_page(
            filters,
            before=_int_or_none(request.GET.get("before")),
            after=_int_or_none(request.GET.get("after")),
            components=components,
        )
        event_labels.attach_links(page.events)
    # The filters, without the page position, for the links to the next and previous pages.
    kept = request.GET.copy()
    for key in ("before", "after"):
        kept.pop(key, None)
    return render(
        request,
        "backoffice/audit.html",
        {"form": form, "page": page, "filters": kept.urlencode(), "scoped": components is not None},
    )
