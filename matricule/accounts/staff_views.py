"""Staff sign-in to the back office: password then a code from an authenticator app, or CAS.

After a correct password the person is not signed in yet: the session remembers them for a few
minutes ("pending") while they type a code (or, the first time, set up their app). Only then
are they signed in and the session marked verified (accounts.staff.mark_verified). A staff
member signed in some other way (the student login, a test's force_login) is sent to the same
second step by accounts.staff.staff_required. With MATRICULE_STAFF_REQUIRE_2FA off, people who
have not set up an app sign in with their password alone. See accounts.staff_cas for CAS.
"""

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from reportlab.graphics.barcode import qrencoder

from matricule.audit.services import record

from . import devices, staff, throttle, totp
from .totp_views import code_check, code_step
from .views import slowed

PENDING_KEY = "staff_pending_login"
# Time to type a code after the password; longer the first time (installing an app).
PENDING_SECONDS = 15 * 60
BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Helpers -------------------------------------------------------------------------------------


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _pending(request):
    """The staff member between their password and their code: (user, next, backend) or Nones."""
    pending = request.session.get(PENDING_KEY)
    if not pending or timezone.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None, "", BACKEND
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not staff.is_staff_member(user):
        return None, "", BACKEND
    return user, staff.safe_next(pending.get("next")), pending.get("backend") or BACKEND


def _second_step_user(request):
    """Who the second step is for: the pending staff member, or the signed-in staff member who has
    not passed it yet."""
    user, next_url, backend = _pending(request)
    if user is None and request.user.is_authenticated and staff.is_staff_member(request.user):
        user, next_url = request.user, staff.safe_next(request.GET.get("next"))
    return user, next_url, backend


def _complete(request, user, next_url: str, *, method: str, backend: str = BACKEND):
    """Sign the staff member in (if not yet), mark the session verified, audit, go on."""
    if request.user.is_authenticated and request.user.pk == user.pk:
        request.session.cycle_key()  # more rights from now on: a new session key
    else:
        login(request, user, backend=backend)
    request.session.pop(PENDING_KEY, None)
    staff.mark_verified(request, method=method)
    record("accounts.staff_login", actor=user, obj=user, method=method)
    response = redirect(next_url)
    devices.remember(request, response, user)  # this browser is known to the account from now on
    return response


def _timed_out(request):
    request.session.pop(PENDING_KEY, None)
    messages.error(request, _("Your sign-in has timed out: give your password again."))
    return redirect("staff:login")


def _already_in(request) -> bool:
    return (
        request.user.is_authenticated
        and staff.is_staff_member(request.user)
        and staff.is_verified(request)
        and PENDING_KEY not in request.session
    )


def qr_code(value: str) -> dict:
    """The QR code of `value` as an SVG path of its dark modules (one unit per module, with the
    4-module quiet zone), drawn by the template: no image file, no script."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    count, border = qr.getModuleCount(), 4
    runs = []
    for row in range(count):
        column = 0
        while column < count:
            if qr.isDark(row, column):
                start = column
                while column < count and qr.isDark(row, column):
                    column += 1
                runs.append(f"M{start + border} {row + border}h{column - start}v1h-{column - start}z")
            else:
                column += 1
    return {"size": count + 2 * border, "path": "".join(runs)}


# --- Password ------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    """Staff sign-in (password). Failures slow the next attempts down per (username, address) and
    per username, except on a browser that signed in to this account before (accounts.limits)."""
    next_url = staff.safe_next(request.POST.get("next") or request.GET.get("next"))
    if _already_in(request):
        return redirect(next_url)
    form = AuthenticationForm(request, data=request.POST or None)
    context = {
        "form": form,
        "next": next_url,
        "cas": staff.cas_enabled(),
        "two_factor": staff.second_factor_required(),
    }
    if request.method != "POST":
        return render(request, "accounts/staff_login.html", context)
    username = request.POST.get("username", "")[:150].lower()
    attempt = staff.sign_in_attempt(username, throttle.client_address(request), devices.entries(request))
    retry_at = attempt.retry_at()
    if retry_at:  # the password is not checked; what was typed is shown again, but the password
        return slowed(request, "accounts/staff_login.html", context, retry_at)
    user = form.get_user() if form.is_valid() else None
    if user is not None and staff.is_staff_member(user):
        attempt.succeeded()
        return _after_password(request, user, next_url)
    charge = attempt.failed()
    record(
        "accounts.staff_login_failed",
        actor=user,
        obj=user,
        method="password",
        reason="password" if user is None else "not_staff",
        username=username,
        device=bool(attempt.device),
        failures=charge.count,
    )
    staff.after_failure(username, charge)
    # The same answer for a wrong password and a person who is not staff.
    form.errors.pop("__all__", None)
    form.add_error(
        None,
        _(
            "The username or the password is not right (or this account has no "
            "access to the back office). Check them and try again."
        ),
    )
    return render(request, "accounts/staff_login.html", context, status=400)


def _after_password(request, user, next_url: str):
    if not staff.has_second_factor(user) and not staff.second_factor_required():
        return _complete(request, user, next_url, method="password", backend=user.backend)
    if request.user.is_authenticated:
        logout(request)  # someone else was signed in on this browser
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "next": next_url,
        "backend": user.backend,
        "at": timezone.now().timestamp(),
    }
    return redirect("staff:second-factor" if staff.has_second_factor(user) else "staff:enrol")


# --- Second factor -------------------------------------------------------------------------------


def _second_step(view):
    """The pages of the second step (the code, or setting up the app), given whom it is for
    (`_second_step_user`), where to go next and the sign-in backend. Someone already verified
    goes on; once nobody is pending, the sign-in has timed out."""

    @never_cache
    @sensitive_post_parameters("code")
    @require_http_methods(["GET", "POST"])
    @functools.wraps(view)
    def page(request):
        if _already_in(request):
            return redirect(staff.safe_next(request.GET.get("next")))
        user, next_url, backend = _second_step_user(request)
        if user is None:
            return _timed_out(request)
        return view(request, user, next_url, backend)

    return page


@_second_step
def second_factor(request, user, next_url: str, backend: str):
    """The code from the staff member's authenticator app."""
    if not staff.has_second_factor(user):
        return redirect(_with_next("staff:enrol", next_url))
    return code_step(
        request,
        "accounts/staff_second_factor.html",
        {"locked_until": staff.code_locked_until(user)},
        check=code_check(request, user, staff.check_code),
        done=lambda: _complete(request, user, next_url, method="totp", backend=backend),
        gone=lambda: _timed_out(request),  # turned off meanwhile: start again
        locked=lambda: request.session.pop(PENDING_KEY, None),
        wrong=_("This code is not right, or it has expired. Type the code your app shows now."),
    )


@_second_step
def enrol(request, user, next_url: str, backend: str):
    """First sign-in: set up an authenticator app (key as text and as a QR code), then a code."""
    if staff.has_second_factor(user):
        return redirect(_with_next("staff:second-factor", next_url))
    if backend == BACKEND and not staff.enrolment_open(user):
        # A password alone: only while the set-up is open (CAS vouches for the person itself).
        request.session.pop(PENDING_KEY, None)
        record("accounts.staff_2fa_enrolment_refused", actor=user, obj=user)
        return render(request, "accounts/staff_enrol_closed.html", status=403)
    key = totp.start_setup(user)
    uri = staff.provisioning_uri(user, key)
    context = {
        "secret": totp.grouped(key),
        "uri": uri,
        "qr": qr_code(uri),
        "label": user.get_username(),
        "locked_until": staff.code_locked_until(user),
    }

    def done():
        messages.success(
            request,
            _("Your authenticator app is set up: from now on, a code from it is asked after your password."),
        )
        return _complete(request, user, next_url, method="totp", backend=backend)

    return code_step(
        request,
        "accounts/staff_enrol.html",
        context,
        check=code_check(request, user, staff.confirm_enrolment),
        done=done,
        # Confirmed meanwhile (another tab): ask for a code.
        gone=lambda: redirect(_with_next("staff:second-factor", next_url)),
        locked=lambda: request.session.pop(PENDING_KEY, None),
        wrong=_(
            "This code is not right. Check that the app's clock is on time and type the code it shows now."
        ),
    )


# --- CAS and sign-out ----------------------------------------------------------------------------


@never_cache
@csrf_exempt  # the CAS server posts single-logout requests here (django-cas-ng's view is exempt too)
@require_http_methods(["GET", "POST"])
def cas_login(request):
    """Sign in with the university's CAS (see accounts.staff_cas)."""
    if not staff.cas_enabled():
        raise Http404
    if request.method == "GET":
        next_url = staff.safe_next(request.GET.get("next"))
        if request.GET.get("next") != next_url:
            # The service address sent to CAS always names a checked destination.
            return redirect(_with_next("staff:cas-login", next_url))
        if request.user.is_authenticated:
            if staff.is_staff_member(request.user) and staff.verified_method(request):
                return redirect(next_url)
            logout(request)  # someone else, or a sign-in half done: CAS decides anew
    from . import staff_cas

    return staff_cas.login(request)


@never_cache
@require_POST
def logout_view(request):
    """Sign out; after a CAS sign-in, out of the university's CAS too (shared desk computers)."""
    via_cas = staff.verified_method(request) == "cas" and staff.cas_enabled()
    logout(request)
    if via_cas:
        from . import staff_cas

        return redirect(staff_cas.logout_url(request, request.build_absolute_uri(reverse("staff:login"))))
    messages.success(request, _("You are signed out of the back office."))
    return redirect("staff:login")
