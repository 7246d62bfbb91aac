"""The document review (`/gestion/pieces/`, `/gestion/fichier/`): the queue of registrations with
documents waiting, the review screen, and the files as agents see them. The rules (claims,
decisions) are the documents app's services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.accounts.staff import in_scope, staff_required
from matricule.audit.services import record
from matricule.documents import services
from matricule.documents.forms import DecisionForm
from matricule.documents.models import RefusalReason, Submission
from matricule.documents.previews import preview_page
from matricule.documents.views import download_name, serve
from matricule.registration.forms import GRANT_LABELS

from . import document_queue
from .access import get_registration_for_agent, get_version_for_agent
from .dashboard import choose_components


@never_cache
@staff_required
def queue(request):
    """Files with documents waiting, oldest first, only the agent's components (or one of them,
    `?component=`, as the dashboard's figure of a component links to it)."""
    components = choose_components(request.user, request.GET.get("component"))
    component = components.selected.pk if components.selected else None
    total, more = document_queue.count_files(request.user, component)
    context = {
        "rows": document_queue.queue_rows(request.user, component=component),
        "total": total,
        "more": more,
        "components": components,
        "queue_length": document_queue.QUEUE_LENGTH,
    }
    return render(request, "backoffice/documents/queue.html", context)


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    registration = get_registration_for_agent(request.user, pk)
    # Auditors (of this component) look without claiming the file or deciding.
    can_act = in_scope(request.user, registration.stage.programme.component_id, write=True)
    if request.method == "POST" and not can_act:
        raise PermissionDenied
    if can_act and not services.claim(registration, request.user):
        messages.error(request, _("Another agent is reviewing this file: choose another one."))
        if request.headers.get("HX-Request"):
            # htmx would swap the queue page into the column: the browser goes there instead.
            return HttpResponse(headers={"HX-Redirect": reverse("backoffice:document-queue")})
        return redirect("backoffice:document-queue")
    if request.method == "POST":
        _decide(request, registration)
        if not request.headers.get("HX-Request"):
            return redirect("backoffice:document-review", registration.pk)
        # With htmx, the decision answers with the file's documents only, swapped in place: no
        # redirect, no reload of the page and its previews (bench/review_queue.py times it).
        return render(
            request,
            "backoffice/documents/_review_documents.html",
            _review_context(request, registration, can_act),
        )
    context = _review_context(request, registration, can_act)
    following = document_queue.oldest_file_ids(request.user, 1, exclude=registration.pk)
    context["next_pk"] = following[0] if following else None
    context["grant"] = GRANT_LABELS.get(registration.cleaned.get("social", {}).get("grant"))
    return render(request, "backoffice/documents/review.html", context)


SESSION_DECISIONS = "review_decisions"


def _decide(request, registration) -> bool:
    """Apply the decision posted; counted in the agent's session when taken."""
    submission = registration.submissions.filter(pk=request.POST.get("submission")).first()
    if submission is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return False
    try:
        services.decide(
            submission,
            agent=request.user,
            validate=form.cleaned_data["decision"] == "validate",
            reason=form.cleaned_data.get("reason"),
            comment=form.cleaned_data.get("comment", ""),
            valid_until=form.cleaned_data.get("valid_until"),
        )
    except services.DocumentError:
        messages.error(request, _("This document is no longer waiting for review."))
        return False
    request.session[SESSION_DECISIONS] = request.session.get(SESSION_DECISIONS, 0) + 1
    return True


def _review_context(request, registration, can_act: bool) -> dict:
    submissions = list(
        registration.submissions.select_related("document_type", "reason", "reviewed_by").prefetch_related(
            "versions"
        )
    )
    return {
        "registration": registration,
        "submissions": submissions,
        "reasons": list(RefusalReason.objects.all()),
        "complete": services.documents_complete(registration, submissions),
        "can_act": can_act,
        "decided": request.session.get(SESSION_DECISIONS, 0),
        "first_waiting": next((s.pk for s in submissions if s.status == Submission.Status.SUBMITTED), None),
    }


@staff_required
def staff_file(request, version_pk: int):
    version = get_version_for_agent(request.user, version_pk)
    # Who opened a student's document, and when, is kept (the previews are the review itself).
    record(
        "documents.file_opened",
        actor=request.user,
        obj=version.submission,
        version=version.pk,
        student=version.submission.registration.student_id,
    )
    return serve(version, download_name=download_name(version), inline=version.extension != ".pdf")


@staff_required
def page_preview(request, version_pk: int, page: int):
    """A page of the file as an image made on the server (once, then kept), so agents see it
    large and inline, and their browser never opens the student's PDF itself."""
    version = get_version_for_agent(request.user, version_pk)
    preview = preview_page(version, page)
    if preview is None:
        raise Http404
    response = FileResponse(preview.file.open("rb"), content_type=preview.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@staff_required(write=True)
def release(request, pk: int):
    registration = get_registration_for_agent(request.user, pk)
    services.release(registration, request.user)
    return redirect("backoffice:document-queue")
