"""Desk registration in the back office (`/gestion/guichet/`): the agent registers a person who may
not register online, or who needs help, with the same steps as the online form."""

import functools
from decimal import Decimal

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matricule.accounts.staff import staff_required
from matricule.fees.rules import fee_label
from matricule.registration import desk
from matricule.registration.models import Registration, State
from matricule.registration.resume import redirect_to_step
from matricule.registration.steps import get_step, steps_for
from matricule.registration.views import StepPages

from . import desk_services
from .access import get_desk_registration
from .desk_forms import CandidateSearchForm, ExemptionForm, PaymentForm, StartForm


def _resume(registration: Registration):
    """Where the desk work on this registration goes on, by its state."""
    if registration.is_editable:
        key = registration.current_step
        if get_step(key) not in steps_for(registration):  # "review", or a step that no longer applies
            key = "review"
        return redirect_to_step(registration, key, namespace="desk")
    if registration.state == State.AWAITING_PAYMENT:
        return redirect("desk:payment", registration.pk)
    return redirect("desk:done", registration.pk)


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def start(request):
    """Find an admitted candidate by Parcoursup number, or type a new person's identity; choose
    the stage and the reason; open the registration."""
    search = CandidateSearchForm(request.GET if "parcoursup" in request.GET else None)
    candidate, not_found = None, False
    candidate_id = request.POST.get("candidate") if request.method == "POST" else None
    if candidate_id:
        candidate = desk.find_candidate(request.user, request.POST.get("parcoursup", ""))
        if candidate is None or str(candidate.pk) != candidate_id:
            raise Http404
    elif search.is_bound and search.is_valid():
        candidate = desk.find_candidate(request.user, search.cleaned_data["parcoursup"])
        not_found = candidate is None
    stages = desk.desk_stages(request.user)
    form = StartForm(request.POST if request.method == "POST" else None, stages=stages, candidate=candidate)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                registration = desk.open_desk_registration(
                    agent=request.user,
                    stage=form.cleaned_data["stage"],
                    candidate=candidate,
                    identity=None if candidate else form.identity(),
                    reason=form.cleaned_data["reason"],
                )
            except desk.DeskError as error:
                form.add_error(None, str(error))
            else:
                return _resume(registration)
        status = 400
    return render(
        request,
        "backoffice/desk/start.html",
        {
            "search": search,
            "candidate": candidate,
            "not_found": not_found,
            "form": form,
            "has_stages": stages.exists(),
            "recent": desk.recent_desk_registrations(request.user),
        },
        status=status,
    )


@never_cache
@staff_required(write=True)
def resume(request, pk: int):
    return _resume(get_desk_registration(request, pk))


# The steps and the review as online (registration.views), with the desk's templates.
PAGES = StepPages("desk", "backoffice/desk/step.html", "backoffice/desk/review.html", leave=_resume)


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def step(request, pk: int, key: str):
    save = functools.partial(desk.save_desk_step, agent=request.user)
    return PAGES.step(request, get_desk_registration(request, pk), key, save=save)


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    submit = functools.partial(desk.submit_desk_registration, agent=request.user)
    return PAGES.review(request, get_desk_registration(request, pk), submit=submit, submitted=_resume)


def _fees(registration):
    return [(fee_label(line["code"]), line["amount_cents"]) for line in registration.fee_lines]


@never_cache
@staff_required(write=True)
@require_http_methods(["GET", "POST"])
def payment(request, pk: int):
    """The fee total, then either a payment taken at the desk or an exemption with its reason."""
    registration = get_desk_registration(request, pk)
    if registration.state != State.AWAITING_PAYMENT:
        return _resume(registration)
    action = request.POST.get("action") if request.method == "POST" else None
    total = (Decimal(registration.fee_total_cents or 0) / 100).quantize(Decimal("0.01"))
    pay_form = PaymentForm(request.POST if action == "pay" else None, prefix="pay", initial={"amount": total})
    exempt_form = ExemptionForm(request.POST if action == "exempt" else None, prefix="exempt")
    status = 200
    if action == "pay":
        if pay_form.is_valid():
            try:
                desk_services.record_desk_payment(
                    registration,
                    agent=request.user,
                    method=pay_form.cleaned_data["method"],
                    amount_cents=pay_form.amount_cents,
                    reference=pay_form.cleaned_data["reference"],
                )
            except desk_services.WrongAmount as error:
                pay_form.add_error("amount", str(error))
            except desk_services.NotAwaitingPayment:
                return _resume(Registration.objects.get(pk=registration.pk))
            else:
                return redirect("desk:done", registration.pk)
        status = 400
    elif action == "exempt":
        if exempt_form.is_valid():
            try:
                desk_services.exempt_from_fees(
                    registration, agent=request.user, reason=exempt_form.cleaned_data["reason"]
                )
            except desk_services.ExemptionNotAllowed as error:
                exempt_form.add_error(None, str(error))
            except desk_services.NotAwaitingPayment:
                return _resume(Registration.objects.get(pk=registration.pk))
            else:
                return redirect("desk:done", registration.pk)
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "backoffice/desk/payment.html",
        {
            "registration": registration,
            "student": registration.student,
            "fees": _fees(registration),
            "pay_form": pay_form,
            "exempt_form": exempt_form,
        },
        status=status,
    )


@never_cache
@staff_required(write=True)
def done(request, pk: int):
    registration = get_desk_registration(request, pk)
    if registration.state not in (State.REGISTERED, State.PAID, State.EXEMPT):
        return _resume(registration)
    return render(
        request,
        "backoffice/desk/done.html",
        {
            "registration": registration,
            "student": registration.student,
            "facts": desk_services.desk_facts(registration),
        },
    )


@staff_required(write=True)
def summary_download(request, pk: int):
    """The registration summary, for the agent to print or hand over (recorded when issued)."""
    from matricule.certificates.services import issue_summary

    registration = get_desk_registration(request, pk)
    if registration.state != State.REGISTERED:
        raise Http404
    document = issue_summary(registration, (request.LANGUAGE_CODE or "fr")[:2])
    number = registration.student.student_number
    response = FileResponse(
        document.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"recapitulatif-{number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
