import math

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matricule.institution import reference
from matricule.institution.campaign import campaign_overview, first_registration_status

from . import admission_login, throttle
from .forms import AdmissionLoginForm


def slowed(request, template: str, context: dict, retry_at):
    """The answer while a sign-in is slowed down (429, with Retry-After): the page itself, its
    form showing what was typed, and when to try again (seconds, or minutes past 90 s)."""
    seconds = throttle.seconds_until(retry_at)
    context = {
        **context,
        "retry_at": retry_at,
        "retry_seconds": seconds,
        "retry_minutes": math.ceil(seconds / 60) if seconds > 90 else 0,
    }
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def admission_login_view(request):
    """APO-CONNECT: Parcoursup number + date of birth + email → a connection link by email."""
    year = reference.current_year()
    if year is None:
        return render(request, "institution/not_configured.html", status=503)
    is_open, upcoming = first_registration_status(year)
    context = {"year": year, "is_open": is_open, "upcoming": upcoming}
    if not is_open:
        context["overview"] = campaign_overview(year)
        return render(request, "accounts/admission_login.html", context)

    form = AdmissionLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = admission_login.request_link(
            year=year,
            number=form.cleaned_data["number"],
            birth_date=form.cleaned_data["birth_date"],
            email=form.cleaned_data["email"],
            address=throttle.client_address(request),
        )
        if outcome.slowed:
            # The same page whether or not the details matched (a match got its link all the
            # same), with what was typed.
            context["form"] = form
            return slowed(request, "accounts/admission_login.html", context, outcome.retry_at)
        request.session["admission_link_email"] = form.cleaned_data["email"]
        return redirect("accounts:link-sent")
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/admission_login.html", context, status=status)


@never_cache
def link_sent(request):
    year = reference.current_year()
    return render(
        request,
        "accounts/link_sent.html",
        {
            "email": request.session.get("admission_link_email", ""),
            "overview": campaign_overview(year) if year else None,
            "minutes": settings.LOGIN_LINK_MINUTES,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request, token: str):
    """GET shows a button, POST uses the link: mail scanners that fetch links don't burn it."""
    try:
        if request.method == "POST":
            user = admission_login.use_link(token)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("registration:home")
        admission_login.check_link(token)
    except admission_login.LinkError as error:
        return render(
            request,
            "accounts/link_invalid.html",
            {"code": error.code, "minutes": settings.LOGIN_LINK_MINUTES},
            status=410,
        )
    return render(request, "accounts/link_open.html", {"token": token})


@never_cache
def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    logout(request)
    return redirect("registration-page")
