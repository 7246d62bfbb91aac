"""The student account: activation, password login (+ second factor), password reset, TOTP.

Views validate what was typed and call the services (accounts.activation, accounts.password_login,
accounts.totp), which act. Every page is a plain HTML form: nothing needs JavaScript.
"""

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from matricule.audit.services import record

from . import activation, devices, password_login, student_cas, throttle, totp
from .forms import identifier_field
from .models import AccountSecurity
from .totp_views import code_check, code_step
from .views import slowed

BACKEND = "django.contrib.auth.backends.ModelBackend"
LOGIN_REDIRECT = "registration:home"
PENDING_KEY = "student_account_pending_login"
PENDING_SECONDS = 5 * 60

account_login_required = login_required(login_url="student-account:login")


# --- Forms ---------------------------------------------------------------------------------------


def _student_identifier(help_text="") -> forms.CharField:
    """A student number or an email address: how students name their account."""
    return identifier_field(
        gettext_lazy("Student number or email address"),
        max_length=254,
        help_text=help_text,
        autocomplete="username",
        autocapitalize="none",
    )


class PasswordLoginForm(forms.Form):
    identifier = _student_identifier(
        gettext_lazy("Your student number is on your registration summary and confirmation email.")
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class IdentifierForm(forms.Form):
    identifier = _student_identifier()


PASSWORD_HELP = gettext_lazy(
    "At least 10 characters, not only digits. Avoid common passwords and anything close to "
    "your name, email address, student number or date of birth. A short sentence is easy to "
    "remember and hard to guess."
)


def personal_values(user) -> list[str]:
    """Numbers and dates that identify the person, refused inside a password."""
    values = []
    student = getattr(user, "student", None)
    if student is not None and student.student_number:
        values.append(student.student_number)
    for number, birth_date in user.candidacies.values_list("parcoursup_number", "birth_date"):
        values.append(number)
        values += [birth_date.strftime(f) for f in ("%d%m%Y", "%Y%m%d", "%d%m%y")]
    return [value.casefold() for value in values if len(value) >= 4]


class SetPasswordForm(forms.Form):
    """A new password, checked by the configured validators against this person's data."""

    new_password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        max_length=4096,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password1(self):
        password = self.cleaned_data["new_password1"]
        try:
            password_validation.validate_password(password, self.user)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        compact = "".join(ch for ch in password.casefold() if ch.isalnum())
        if any(value in compact for value in personal_values(self.user)):
            raise forms.ValidationError(
                _("Your password must not contain your student number, Parcoursup number or date of birth."),
                code="personal",
            )
        return password

    def clean_new_password2(self):
        first, second = self.cleaned_data.get("new_password1"), self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError(_("The two passwords are not the same."), code="mismatch")
        return second


# --- Helpers -------------------------------------------------------------------------------------


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _log_in(request, user, next_url: str = ""):
    login(request, user, backend=BACKEND)
    record(
        "accounts.password_login.succeeded", actor=user, obj=user, address=throttle.client_address(request)
    )
    response = redirect(next_url or LOGIN_REDIRECT)
    devices.remember(request, response, user)  # this browser is known to the account from now on
    return response


def _link_invalid(request, error: activation.TokenError, purpose: str):
    return render(
        request,
        "accounts/student/link_invalid.html",
        {
            "code": error.code,
            "purpose": purpose,
            "hours": activation.activation_hours(),
            "minutes": activation.reset_minutes(),
        },
        status=410,
    )


def activated_required(view):
    """Logged in with an activated account; otherwise the account page explains what to do."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not activation.has_activated_account(request.user):
            return redirect("student-account:home")
        return view(request, *args, **kwargs)

    return account_login_required(wrapper)


# --- Activation ----------------------------------------------------------------------------------


@never_cache
@account_login_required
@require_POST
def activation_request(request):
    """From the student's registration page: send (again) the activation link."""
    user = request.user
    if activation.has_activated_account(user):
        return redirect("student-account:home")
    if not activation.can_activate(user):
        messages.error(request, _("Your account can be activated once your registration is complete."))
        return redirect("student-account:home")
    if not activation.send_activation_link(user):
        messages.error(
            request, _("Several links were sent recently: use the latest one, or ask again in an hour.")
        )
    return redirect("student-account:activation-sent")


@never_cache
@account_login_required
def activation_sent(request):
    return render(
        request,
        "accounts/student/activation_sent.html",
        {"email": activation.activation_email(request.user), "hours": activation.activation_hours()},
    )


def _password_link(request, token: str, purpose: str, template: str, *, use, done, context):
    """A page a single-use emailed link opens to choose a password (activation, reset): GET shows
    the form (a mail scanner's visit uses nothing); a valid POST uses the link,
    `use(token, password)`, and `done(user)` answers. A link that can no longer be used says why.
    `context(link)`: what the page shows besides the form."""
    try:
        link = activation.check_token(token, purpose)
    except activation.TokenError as error:
        return _link_invalid(request, error, purpose)
    if purpose == activation.Purpose.ACTIVATE:
        link.user.email = link.email  # what the account's email becomes: checked against the password too
    form = SetPasswordForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = use(token, form.cleaned_data["new_password1"])
        except activation.TokenError as error:
            return _link_invalid(request, error, purpose)
        except activation.PasswordNotStored:
            # The link stays usable; the form comes back empty (password fields are never re-shown).
            form.add_error(
                None,
                _(
                    "The university's directory cannot be reached just now, so your password "
                    "could not be saved. Nothing has changed: try again in a few minutes."
                ),
            )
            return render(request, template, {"form": form, **context(link)}, status=503)
        return done(user)
    return render(
        request, template, {"form": form, **context(link)}, status=400 if request.method == "POST" else 200
    )


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def activate(request, token: str):
    def done(user):
        login(request, user, backend=BACKEND)
        messages.success(
            request,
            _(
                "Your account is activated and your email address confirmed. "
                "From now on, log in with your student number or email "
                "address and your password."
            ),
        )
        return redirect("student-account:home")

    def context(link):
        student = getattr(link.user, "student", None)
        return {"email": link.email, "student_number": student.student_number if student else ""}

    return _password_link(
        request,
        token,
        activation.Purpose.ACTIVATE,
        "accounts/student/activate.html",
        use=activation.activate_account,
        done=done,
        context=context,
    )


# --- Password login ------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _safe_next(request)
    form = PasswordLoginForm(request.POST or None)
    context = {"form": form, "next": next_url, "ent_login": student_cas.available()}
    if request.method == "POST" and form.is_valid():
        outcome = password_login.authenticate(
            identifier=form.cleaned_data["identifier"],
            password=form.cleaned_data["password"],
            address=throttle.client_address(request),
            devices=devices.entries(request),
        )
        if outcome.user is not None:
            if totp.is_enabled(outcome.user):
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "user": outcome.user.pk,
                    "next": next_url,
                    "at": timezone.now().timestamp(),
                }
                return redirect("student-account:login-code")
            return _log_in(request, outcome.user, next_url)
        if outcome.slowed:  # the password was not checked: what was typed is shown again, but it
            return slowed(request, "accounts/student/login.html", context, outcome.retry_at)
        form.add_error(
            None,
            _(
                "The student number or email address, or the password, is not "
                "right. Check them and try again."
            ),
        )
    return render(
        request, "accounts/student/login.html", context, status=400 if request.method == "POST" else 200
    )


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or timezone.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None, ""
    user = (
        get_user_model()
        .objects.filter(pk=pending["user"], is_active=True, security__activated_at__isnull=False)
        .first()
    )
    return user, pending.get("next", "")


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_code(request):
    """Second step of the login, for accounts with a second factor."""
    user, next_url = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Your login has timed out: give your password again."))
        return redirect("student-account:login")

    def drop_pending():
        request.session.pop(PENDING_KEY, None)

    def done():
        drop_pending()
        return _log_in(request, user, next_url)

    def gone():  # turned off meanwhile: start again
        drop_pending()
        return redirect("student-account:login")

    return code_step(
        request,
        "accounts/student/login_code.html",
        {},
        check=code_check(request, user, totp.verify_login),
        done=done,
        gone=gone,
        locked=drop_pending,
        wrong=_("This code is not right, or it has expired. Type the code your app shows now."),
    )


# --- Password reset ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def reset_request(request):
    form = IdentifierForm(request.POST or None)
    context = {"form": form, "minutes": activation.reset_minutes()}
    if request.method == "POST" and form.is_valid():
        outcome = password_login.request_password_reset(
            identifier=form.cleaned_data["identifier"],
            address=throttle.client_address(request),
            language=translation.get_language(),
        )
        if outcome.slowed:
            return slowed(request, "accounts/student/reset_request.html", context, outcome.retry_at)
        return redirect("student-account:reset-sent")
    return render(
        request,
        "accounts/student/reset_request.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@never_cache
def reset_sent(request):
    return render(request, "accounts/student/reset_sent.html", {"minutes": activation.reset_minutes()})


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def reset_confirm(request, token: str):
    def done(user):
        messages.success(request, _("Your password has been changed. Log in with your new password."))
        return redirect("student-account:login")

    return _password_link(
        request,
        token,
        activation.Purpose.RESET,
        "accounts/student/reset_confirm.html",
        use=activation.reset_password,
        done=done,
        context=lambda link: {},
    )


# --- Account page and second factor --------------------------------------------------------------


@never_cache
@account_login_required
def account(request):
    user = request.user
    security = AccountSecurity.objects.filter(user=user).first()
    activated = bool(security and security.activated_at)
    student = getattr(user, "student", None)
    return render(
        request,
        "accounts/student/account.html",
        {
            "security": security,
            "activated": activated,
            "can_activate": not activated and activation.can_activate(user),
            "student_number": student.student_number if student else "",
            "totp_enabled": totp.is_enabled(user),
            "totp_since": totp.enabled_since(user),
        },
    )


def _home():
    return redirect("student-account:home")


def _two_step_setting(view):
    """The pages that turn two-step login on or off: for an activated account, with a code from
    the app posted (kept out of error reports)."""
    view = require_http_methods(["GET", "POST"])(view)
    return never_cache(sensitive_post_parameters("code")(activated_required(view)))


def _with_message(request, message: str):
    messages.success(request, message)
    return _home()


@_two_step_setting
def totp_enable(request):
    user = request.user
    try:
        key = totp.start_setup(user)
    except totp.TotpError:
        return _home()
    label, issuer = totp.account_label(user), totp.issuer()
    context = {
        "secret": totp.grouped(key),
        "uri": totp.provisioning_uri(key, label=label, issuer=issuer),
        "issuer": issuer,
        "label": label,
    }
    return code_step(
        request,
        "accounts/student/totp_enable.html",
        context,
        check=code_check(request, user, totp.confirm_setup),
        done=lambda: _with_message(
            request,
            _("Two-step login is on: from now on, a code from your app is asked after your password."),
        ),
        gone=_home,
        wrong=_(
            "This code is not right. Check that the app's clock is on time and type the code it shows now."
        ),
    )


@_two_step_setting
def totp_disable(request):
    user = request.user
    if not totp.is_enabled(user):
        return _home()
    return code_step(
        request,
        "accounts/student/totp_disable.html",
        {},
        check=code_check(request, user, totp.disable),
        done=lambda: _with_message(
            request, _("Two-step login is off: your password alone now opens your account.")
        ),
        gone=_home,
        wrong=_("This code is not right, or it has expired. Type the code your app shows now."),
    )
