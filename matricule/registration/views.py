import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.accounts.activation import can_activate
from matricule.fees.rules import fee_label
from matricule.htmx import as_if_at, is_htmx, redirect_for_htmx, whole_page
from matricule.institution import reference
from matricule.institution.campaign import campaign_overview

from . import services
from .access import candidate_of, get_candidate_for, get_registration_for, get_student_for
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


@dataclass(frozen=True)
class StepPages:
    """The step pages and the review page, the same for the student online (below) and for an
    agent at the desk (`backoffice.desk_views`): the same steps, navigation, errors and context.
    Each side has its own URLs (`namespace`, with "step" and "review") and templates, its own
    answer once the registration can no longer be edited (`leave(registration)`), and saves and
    submits through its own services (the desk checks the agent's scope and audits). The
    templates are given the student and the admission (`candidate`) besides the pages' own."""

    namespace: str
    step_template: str
    review_template: str
    leave: Callable[[Registration], HttpResponse]

    def _render(self, request, template: str, registration: Registration, context: dict, status: int = 200):
        people = {"student": registration.student, "candidate": registration.candidate}
        return render(request, template, {"registration": registration, **people, **context}, status=status)

    def step(self, request, registration: Registration, key: str, *, save) -> HttpResponse:
        """The step `key`: its form (with what was typed and its errors when the step was left
        invalid). A POST is saved by `save(registration, key, data, move_to=…,
        stay_if_invalid=…)`, then goes on to the step it asks for, or shows the step again with
        its errors (400). Posted by htmx (the student's step form with JavaScript), the answer is
        the page it goes on to, drawn at once, or this step with its errors, both 200 and meant to
        replace the whole page: one round trip instead of a redirect and a GET."""
        step = get_step(key)
        if step is None or step not in steps_for(registration):
            raise Http404
        swapped = request.method == "POST" and is_htmx(request)
        if not registration.is_editable:
            return redirect_for_htmx(self.leave(registration)) if swapped else self.leave(registration)
        if request.method == "POST":
            target, stay_if_invalid = navigation(registration, key, request.POST)
            try:
                form = save(registration, key, request.POST, move_to=target, stay_if_invalid=stay_if_invalid)
            except services.NotEditable as error:
                messages.error(request, str(error))
                return redirect_for_htmx(self.leave(registration)) if swapped else self.leave(registration)
            if form.is_valid() or not stay_if_invalid:
                if swapped:
                    return self._moved_on(request, registration, key, target)
                return redirect_to_step(registration, target, self.namespace)
            # htmx swaps no 4xx answer by default: the errors come with a 200 there.
            status = 200 if swapped else 400
        else:
            form, status = shown_form(step, registration), 200
        response = self._step_page(request, registration, step, form, status)
        return whole_page(response) if swapped else response

    def _step_page(self, request, registration: Registration, step, form, status: int = 200):
        keys = [s.key for s in steps_for(registration)]
        context = {
            "step": step,
            "form": form,
            "progress": progress(registration, step.key),
            "is_first": keys[0] == step.key,
            "is_last": keys[-1] == step.key,
        }
        return self._render(request, self.step_template, registration, context, status)

    def _moved_on(self, request, registration: Registration, key: str, target: str) -> HttpResponse:
        """The page a saved step goes on to (the step `target` or the review), as its GET would
        draw it, with its address for htmx to push into the history (Back and reload work)."""
        if target == "review":
            url = reverse(f"{self.namespace}:review", args=[registration.pk])
            response = self._review_page(as_if_at(request, url), registration)
        else:
            url = reverse(f"{self.namespace}:step", args=[registration.pk, target])
            step = get_step(target)
            response = self._step_page(
                as_if_at(request, url), registration, step, shown_form(step, registration)
            )
        if isinstance(response, HttpResponseRedirectBase):  # no longer editable: its own page
            return redirect_for_htmx(response)
        if target != key:  # the same step again keeps its history entry
            response["HX-Push-Url"] = url
        return whole_page(response)

    def review(self, request, registration: Registration, *, submit, submitted) -> HttpResponse:
        """Everything typed, step by step, with what is missing. A POST submits it through
        `submit(registration)`, then `submitted(registration)` answers, or this page again
        says which steps are missing."""
        if request.method == "POST":
            try:
                registration = submit(registration)
            except services.Incomplete as error:
                messages.error(request, error.message)
                return redirect(f"{self.namespace}:review", registration.pk)
            return submitted(registration)
        return self._review_page(request, registration)

    def _review_page(self, request, registration: Registration) -> HttpResponse:
        if not registration.is_editable:
            return self.leave(registration)
        if registration.current_step != "review":  # no write when the page is shown again
            registration.current_step = "review"
            Registration.objects.filter(pk=registration.pk).update(current_step="review")
        blocks = review_blocks(registration)
        context = {
            "blocks": blocks,
            "carried": carried_blocks(registration),
            "progress": progress(registration, "review"),
            "missing": [b["step"] for b in blocks if not b["complete"]],
        }
        return self._render(request, self.review_template, registration, context)


@never_cache
@login_required
def home(request):
    """The student's home: who they are as admitted, and whether they may register now."""
    candidate = candidate_of(request.user)
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


def _status(registration):
    return redirect("registration:status", registration.pk)


PAGES = StepPages("registration", "registration/step.html", "registration/review.html", leave=_status)


def _redirects_for_htmx(view):
    """The step's redirects made before it is reached (to the login page, once the session is
    lost) said to htmx too, so that the browser goes there rather than drawing the page under the
    step's address."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST" and is_htmx(request):
            return redirect_for_htmx(response)
        return response

    return wrapper


@never_cache
@_redirects_for_htmx
@login_required
@require_http_methods(["GET", "POST"])
def step(request, pk: int, key: str):
    save = functools.partial(services.save_step, actor=request.user)
    return PAGES.step(request, get_registration_for(request, pk), key, save=save)


@login_required
@require_POST
def autosave(request, pk: int, key: str):
    """htmx: each field is saved as it changes; answers with a status line."""
    registration = get_registration_for(request, pk)
    if get_step(key) is None or not registration.is_editable:
        return HttpResponse(status=409)
    services.save_step(registration, key, request.POST, actor=request.user)
    return render(request, "registration/_autosaved.html", {"saved_at": timezone.localtime()})


def _submitted(registration):
    if registration.state == State.AWAITING_PAYMENT:
        return redirect("payments:pay", registration.pk)  # the breakdown, then the bank
    return _status(registration)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    submit = functools.partial(services.submit_registration, actor=request.user)
    return PAGES.review(request, get_registration_for(request, pk), submit=submit, submitted=_submitted)


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


@never_cache
@login_required
def file_readings_page(request):
    """Who at the university read the student's file: components and days (issue 21)."""
    from .file_readings import file_readings
    from .models import Student

    student = Student.objects.filter(user=request.user).first()  # none before a first registration
    readings = file_readings(student) if student else []
    return render(request, "registration/file_readings.html", {"readings": readings})
