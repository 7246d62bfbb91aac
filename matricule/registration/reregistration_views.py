"""The continuing student's side: what they are offered this year, re-registration in a few
clicks, the one-click confirmation of unchanged blocks, and additional registrations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from matricule.accounts import throttle
from matricule.accounts.views import slowed
from matricule.institution.campaign import campaign_overview
from matricule.institution.models import AcademicYear

from . import reregistration
from .access import get_registration_for, get_student_for
from .forms import AdditionalForm, StudentLoginForm
from .models import Kind, Registration, State, Student
from .resume import redirect_to_step, resume_url
from .steps import first_incomplete, get_step


def student_home(request, student: Student):
    """Home of a student without an admission this year: this year's registrations, and what
    they may do (re-register, add a programme), with contacts when they must see someone."""
    year = AcademicYear.objects.current()
    offer = reregistration.offer_for(student, year)
    registrations = list(
        Registration.objects.filter(student=student, academic_year=year)
        .exclude(state=State.CANCELLED)
        .select_related("stage__programme__component")
        .order_by("pk")
    )
    component = offer.component or (registrations[0].stage.programme.component if registrations else None)
    contacts = (
        [c for c in campaign_overview(year).contacts if component is None or c.component == component]
        if year
        else []
    )
    return render(
        request,
        "registration/student_home.html",
        {
            "student": student,
            "year": year,
            "offer": offer,
            "registrations": [(r, resume_url(r)) for r in registrations],
            "additional": reregistration.additional_stages(student, year).exists() if year else False,
            "contacts": contacts,
        },
    )


@login_required
@require_POST
def start(request):
    student = get_student_for(request)
    try:
        registration = reregistration.start_reregistration(student, user=request.user)
    except reregistration.NotOffered:
        return redirect("registration:home")
    if not registration.is_editable:
        return redirect("registration:status", registration.pk)
    return redirect("registration:confirm", registration.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, pk: int):
    """Last year's contacts and social situation, to confirm in one click or to change."""
    registration = get_registration_for(request, pk)
    if registration.kind != Kind.REREGISTRATION:
        raise Http404
    if not registration.is_editable:
        return redirect("registration:status", registration.pk)
    if request.method == "POST":
        failed = reregistration.confirm_unchanged(registration, actor=request.user)
        registration.refresh_from_db()
        if failed:
            messages.error(request, _("Some of last year's details are incomplete: check them below."))
            return redirect_to_step(registration, failed[0])
        return redirect_to_step(registration, first_incomplete(registration).key)
    blocks = []
    for key in reregistration.CONFIRMABLE:
        step = get_step(key)
        form = step.form(registration, data=registration.data.get(key) or {})
        form.is_valid()
        blocks.append({"step": step, "form": form, "confirmed": key in registration.valid_steps})
    return render(
        request,
        "registration/confirm.html",
        {
            "registration": registration,
            "blocks": blocks,
            "previous": reregistration.last_registration(registration.student, registration.academic_year),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def student_login(request):
    """Continuing students who never activated their account: a connection link by email."""
    form = StudentLoginForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        retry_at = reregistration.request_student_link(
            number=form.cleaned_data["number"],
            birth_date=form.cleaned_data["birth_date"],
            email=form.cleaned_data["email"],
            address=throttle.client_address(request),
        )
        if retry_at:
            # The same page whether or not the details matched (a match got its link all the
            # same), with what was typed.
            return slowed(request, "registration/student_login.html", context, retry_at)
        request.session["admission_link_email"] = form.cleaned_data["email"]
        return redirect("accounts:link-sent")
    return render(
        request, "registration/student_login.html", context, status=400 if request.method == "POST" else 200
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def additional(request):
    student = get_student_for(request)
    stages = reregistration.additional_stages(student)
    form = AdditionalForm(request.POST or None, stages=stages)
    if request.method == "POST" and form.is_valid():
        try:
            registration = reregistration.start_additional(
                student, form.cleaned_data["stage"], user=request.user
            )
        except reregistration.NotOffered:
            raise Http404 from None
        return redirect("registration:step", registration.pk, "programme")
    return render(
        request,
        "registration/additional.html",
        {"form": form, "has_stages": stages.exists()},
        status=400 if request.method == "POST" else 200,
    )
