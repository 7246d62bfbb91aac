from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.accounts.activation import can_activate
from matricule.admissions.models import Candidate
from matricule.fees.rules import fee_label
from matricule.institution import reference
from matricule.institution.campaign import campaign_overview

from . import services
from .access import get_candidate_for, get_registration_for, get_student_for
from .eligibility import eligibility
from .models import Registration, State
from .pages import status_context
from .resume import redirect_to_step, resume_url
from .steps import (
    carried_blocks,
    first_incomplete,
    get_step,
    navigation,
    progress,
    review_blocks,
    shown_form,
    steps_for,
)


@never_cache
@login_required
def home(request):
    """The student's home: who they are as admitted, and whether they may register now."""
    year = reference.current_year()
    candidate = Candidate.objects.filter(user=request.user, academic_year=year).first()
    if candidate is None:  # a continuing student, or one registered at the desk
        from .reregistration_views import student_home

        return student_home(request, get_student_for(request))
    reference.attach(candidate)
    registration = services.active_registration(candidate)
    verdict = eligibility(candidate)
    contacts = [
        c
        for c in campaign_overview(candidate.academic_year).contacts
        if verdict.component is None or c.component == verdict.component
    ]
    return render(
        request,
        "registration/home.html",
        {
            "candidate": candidate,
            "verdict": verdict,
            "contacts": contacts,
            "registration": registration,
            "resume_url": resume_url(registration) if registration else None,
        },
    )


@login_required
@require_POST
def start(request):
    candidate = get_candidate_for(request)
    try:
        registration = services.start_registration(candidate, user=request.user)
    except services.NotEligible:
        return redirect("registration:home")
    return redirect_to_step(registration, registration.current_step or first_incomplete(registration).key)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def step(request, pk: int, key: str):
    registration = get_registration_for(request, pk)
    current = get_step(key)
    if current is None or current not in steps_for(registration):
        raise Http404
    if not registration.is_editable:
        return redirect("registration:status", registration.pk)
    keys = [s.key for s in steps_for(registration)]
    if request.method == "POST":
        target, stay_if_invalid = navigation(registration, key, request.POST)
        try:
            form = services.save_step(
                registration,
                key,
                request.POST,
                actor=request.user,
                move_to=target,
                stay_if_invalid=stay_if_invalid,
            )
        except services.NotEditable as error:
            messages.error(request, str(error))
            return redirect("registration:status", registration.pk)
        if form.is_valid() or not stay_if_invalid:
            return redirect_to_step(registration, target)
        status = 400
    else:
        form, status = shown_form(current, registration), 200
    return render(
        request,
        "registration/step.html",
        {
            "registration": registration,
            "step": current,
            "form": form,
            "progress": progress(registration, key),
            "is_first": keys[0] == key,
            "is_last": keys[-1] == key,
            "candidate": registration.candidate,
        },
        status=status,
    )


@login_required
@require_POST
def autosave(request, pk: int, key: str):
    """htmx: each field is saved as it changes; answers with a status line."""
    registration = get_registration_for(request, pk)
    if get_step(key) is None or not registration.is_editable:
        return HttpResponse(status=409)
    services.save_step(registration, key, request.POST, actor=request.user)
    return render(request, "registration/_autosaved.html", {"saved_at": timezone.localtime()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    registration = get_registration_for(request, pk)
    if request.method == "POST":
        try:
            registration = services.submit_registration(registration, actor=request.user)
        except services.Incomplete as error:
            messages.error(request, error.message)
            return redirect("registration:review", registration.pk)
        if registration.state == State.AWAITING_PAYMENT:
            return redirect("payments:pay", registration.pk)  # the breakdown, then the bank
        return redirect("registration:status", registration.pk)
    if not registration.is_editable:
        return redirect("registration:status", registration.pk)
    if registration.current_step != "review":  # no write when the page is shown again
        registration.current_step = "review"
        Registration.objects.filter(pk=registration.pk).update(current_step="review")
    blocks = review_blocks(registration)
    return render(
        request,
        "registration/review.html",
        {
            "registration": registration,
            "blocks": blocks,
            "carried": carried_blocks(registration),
            "progress": progress(registration, "review"),
            "missing": [b["step"] for b in blocks if not b["complete"]],
        },
    )


@never_cache
@login_required
def status(request, pk: int):
    """ "My registration": its state, fees and the summary to download again."""
    registration = get_registration_for(request, pk)
    return render(
        request,
        "registration/status.html",
        {
            "registration": registration,
            "fees": [(fee_label(line["code"]), line["amount_cents"]) for line in registration.fee_lines],
            **status_context(registration),
            "can_activate": can_activate(request.user),
            "instalments": registration.payments.filter(instalment__isnull=False)
            .exclude(status__in=["failed", "cancelled"])
            .order_by("instalment"),
        },
    )
