"""Student requests, the registrar's side (`/gestion/demandes/`): the requests of the agent's
components, oldest first, and the screen to take and decide one. The rules are the requests
app's services."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.accounts.staff import in_scope, scope_queryset, staff_required
from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.institution.models import Component
from matricule.requests import services
from matricule.requests.forms import DecisionForm
from matricule.requests.models import OPEN_STATES, Kind, Request, State
from matricule.requests.views import serve

from .access import (
    REQUEST_COMPONENT,
    get_attachment_for_agent,
    get_request_for_agent,
    get_request_to_act_on,
    scoped_requests,
)

PAGE_SIZE = 50
WAITING = "waiting"

STAFF_ERRORS = {
    "not_allowed": gettext_lazy("This request is no longer waiting for a decision."),
    "out_of_scope": gettext_lazy("This request is not one of your components'."),
    "message_required": gettext_lazy("Say why the request is refused."),
    "nothing_to_refund": gettext_lazy("Nothing paid for this registration is left to refund."),
    "refund_failed": gettext_lazy("The refund could not be made: check the payments of this registration."),
}


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            (WAITING, gettext_lazy("Waiting (new or being handled)")),
            ("", gettext_lazy("All")),
            *State.choices,
        ],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("All")), *Kind.choices]
    )
    component = forms.ModelChoiceField(
        label=gettext_lazy("Component"),
        queryset=Component.objects.none(),
        required=False,
        empty_label=gettext_lazy("All yours"),
    )

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["component"].queryset = scope_queryset(Component.objects.order_by("name"), user, "pk")


@never_cache
@staff_required
def request_list(request):
    """Requests of the agent's components, oldest first, filtered by state (waiting by default),
    kind and component (the counts above the list too)."""
    data = request.GET.copy()
    data.setdefault("state", WAITING)  # "All" sends an empty state; no state at all means waiting
    form = FilterForm(data, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {"state": WAITING, "kind": ""}
    scoped = scoped_requests(request.user)
    if filters.get("component"):  # one of the agent's components (the form offers no other)
        scoped = scoped.filter(**{REQUEST_COMPONENT: filters["component"].pk})
    counts = scoped.filter(state__in=OPEN_STATES).aggregate(
        waiting=Count("id"),
        submitted=Count("id", filter=Q(state=State.SUBMITTED)),
        mine=Count("id", filter=Q(state=State.IN_REVIEW, assigned_to=request.user)),
    )
    rows = scoped
    if filters.get("state") == WAITING:
        rows = rows.filter(state__in=OPEN_STATES)
    elif filters.get("state"):
        rows = rows.filter(state=filters["state"])
    if filters.get("kind"):
        rows = rows.filter(kind=filters["kind"])
    rows = (
        rows.select_related(
            "student__user", "registration__stage", "registration__academic_year", "assigned_to"
        )
        .annotate(files=Count("attachments"))
        .order_by("created_at", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/requests/list.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "query": query.urlencode(),
        },
    )


def _history(student_request: Request) -> list[Event]:
    return list(
        Event.objects.filter(object_type=Request._meta.label_lower, object_id=str(student_request.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def _detail(request, student_request: Request, *, form=None, status=200):
    registration = student_request.registration
    component_id = registration.stage.programme.component_id
    refund_open = student_request.kind == Kind.FEE_REFUND and student_request.is_open
    return render(
        request,
        "backoffice/requests/detail.html",
        {
            "student_request": student_request,
            "registration": registration,
            "student": student_request.student,
            "contacts": registration.cleaned.get("contacts") or {},
            "attachments": list(student_request.attachments.all()),
            "history": _history(student_request),
            "can_act": in_scope(request.user, component_id, write=True),
            "refundable_cents": services.refundable_cents(registration) if refund_open else None,
            "form": form or DecisionForm(),
        },
        status=status,
    )


@never_cache
@staff_required
def detail(request, pk: int):
    return _detail(request, get_request_for_agent(request.user, pk))


@require_POST
@staff_required(write=True)
def assign(request, pk: int):
    student_request = get_request_to_act_on(request.user, pk)
    try:
        services.assign(student_request, request.user, actor=request.user)
    except services.RequestError as error:
        messages.error(request, STAFF_ERRORS.get(error.code, error.code))
    else:
        messages.success(request, _("You are handling this request."))
    return redirect("backoffice:request-detail", student_request.pk)


@staff_required(write=True)
@require_http_methods(["POST"])
def decide(request, pk: int):
    student_request = get_request_to_act_on(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, student_request, form=form, status=400)  # the message typed is kept
    try:
        if form.cleaned_data["decision"] == "accept":
            services.accept(student_request, actor=request.user, message=form.cleaned_data["message"])
            messages.success(request, _("Request accepted; the student has been told by email."))
        else:
            services.refuse(student_request, actor=request.user, message=form.cleaned_data["message"])
            messages.success(request, _("Request refused; the student has been told by email."))
    except services.RequestError as error:
        form.add_error(None, STAFF_ERRORS.get(error.code, error.code))
        student_request.refresh_from_db()
        return _detail(request, student_request, form=form, status=409)
    return redirect("backoffice:request-detail", student_request.pk)


@staff_required
def attachment_file(request, attachment_pk: int):
    attachment = get_attachment_for_agent(request.user, attachment_pk)
    record(
        "requests.attachment_opened",
        actor=request.user,
        obj=attachment.request,
        attachment=attachment.pk,
        student=attachment.request.student_id,
    )
    return serve(attachment, inline=attachment.extension != ".pdf")
