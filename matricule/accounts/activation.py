"""Student account activation and password reset by single-use email links.

Once registered, a student activates their account: a link sent to the email address of their
registration lets them choose a password, and opening it confirms that address. From then on
they log in with their student number or email and that password (accounts.password_login);
the admission-credentials login is for admitted candidates who have not activated yet.

Links work once and for a short time (48 hours to activate, 1 hour to reset); only the
SHA-256 of their token is stored, and the token itself is made in the task worker, so that it
sits neither in the task queue nor in the email log.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from matricule.audit.services import record
from matricule.compat import task
from matricule.notifications.services import (
    queue_email,
    render_bilingual,
    send_account_link_email,
    sent_already,
)

from . import throttle
from .limits import NOTICE_EVERY, forget_failures, link_allowed
from .models import AccountSecurity, ActivationToken, LoginLink, Throttle

Purpose = ActivationToken.Purpose


def activation_hours() -> int:
    return getattr(settings, "MATRICULE_ACTIVATION_LINK_HOURS", 48)


def reset_minutes() -> int:
    return getattr(settings, "MATRICULE_RESET_LINK_MINUTES", 60)


def lifetime(purpose: str) -> datetime.timedelta:
    if purpose == Purpose.ACTIVATE:
        return datetime.timedelta(hours=activation_hours())
    return datetime.timedelta(minutes=reset_minutes())


# --- Who may do what ---------------------------------------------------------------------------


def has_activated_account(user) -> bool:
    """True once the person has activated their student account (password chosen)."""
    if user is None or not getattr(user, "pk", None):
        return False
    return AccountSecurity.objects.filter(user_id=user.pk, activated_at__isnull=False).exists()


def _no_registration(user):
    return None


# Which registration entitles a person to activate their account is the registration app's
# rule: it installs its look-up here at start-up (set_registration_lookup), this app being
# below it. Without it nobody may activate.
_registration_lookup = _no_registration


def set_registration_lookup(lookup) -> None:
    """`lookup(user)` answers the person's latest registered registration, or None."""
    global _registration_lookup
    _registration_lookup = lookup


def registered_registration(user):
    """The person's latest registration in state "registered", or None."""
    return _registration_lookup(user)


def can_activate(user) -> bool:
    """A registered student whose account has no password yet."""
    return (
        user is not None
        and user.is_active
        and not user.has_usable_password()
        and not has_activated_account(user)
        and registered_registration(user) is not None
    )


def activation_email(user) -> str:
    """Where the activation link goes: the address given in the registration, else the account's."""
    registration = registered_registration(user)
    typed = (registration.cleaned.get("contacts", {}).get("email") if registration else "") or ""
    return typed.strip() or user.email


# --- Tokens --------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, purpose: str, email: str) -> str:
    """A new link token for the user; returns the token (never stored in clear)."""
    token = secrets.token_urlsafe(32)  # 256 bits
    ActivationToken.objects.create(
        token_hash=hash_token(token),
        user=user,
        purpose=purpose,
        email=email,
        expires_at=timezone.now() + lifetime(purpose),
    )
    return token


class TokenError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "unknown", "used", "expired" or "not_allowed"


def _raise_if_unusable(link: ActivationToken | None, purpose: str) -> None:
    if link is None or link.purpose != purpose:
        raise TokenError("unknown")
    if link.used_at is not None:
        raise TokenError("used")
    if link.expires_at <= timezone.now():
        raise TokenError("expired")
    user = link.user
    if not user.is_active:
        raise TokenError("not_allowed")
    if purpose == Purpose.ACTIVATE and not can_activate(user):
        # Already activated (an older link), or the registration was cancelled meanwhile.
        raise TokenError("used" if has_activated_account(user) else "not_allowed")
    if purpose == Purpose.RESET and not has_activated_account(user):
        raise TokenError("not_allowed")


def check_token(token: str, purpose: str) -> ActivationToken:
    """The link if it can still be used; raises TokenError otherwise. Does not use it."""
    link = ActivationToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    _raise_if_unusable(link, purpose)
    return link


def _use(token: str, purpose: str) -> ActivationToken:
    """Lock and use the link; every other unused link of the user stops working too."""
    link = (
        ActivationToken.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    _raise_if_unusable(link, purpose)
    now = timezone.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    ActivationToken.objects.filter(user=link.user, used_at__isnull=True).update(used_at=now)
    return link


# --- Passwords kept elsewhere too ----------------------------------------------------------------

# Where else a chosen password goes (the university's directory, for the ENT account): apps above
# register a setter at start-up (add_password_setter). A setter is called in the request, inside
# the transaction that uses the link, with the raw password: never queue or log it. It raises
# PasswordNotStored when it cannot store it; the link is then not used and nothing is changed here.
_password_setters = []


class PasswordNotStored(Exception):
    """A registered setter could not store the password (its service is unreachable)."""


def add_password_setter(setter) -> None:
    """`setter(user, password)`; raises PasswordNotStored on failure."""
    if setter not in _password_setters:
        _password_setters.append(setter)


def _store_elsewhere(user, password: str) -> None:
    for setter in _password_setters:
        setter(user, password)


# --- Activation ----------------------------------------------------------------------------------


def activate_account(token: str, password: str):
    """Use an activation link: set the (already validated) password and confirm the email the
    link was sent to. Returns the user, to be logged in. Raises TokenError, or PasswordNotStored
    (nothing done)."""
    with transaction.atomic():
        link = _use(token, Purpose.ACTIVATE)
        user = get_user_model().objects.select_for_update().get(pk=link.user_id)
        _store_elsewhere(user, password)
        now = timezone.now()
        user.set_password(password)
        user.email = link.email
        user.save(update_fields=["password", "email"])
        security, _ = AccountSecurity.objects.select_for_update().get_or_create(user=user)
        security.activated_at = now
        security.email_confirmed = link.email
        security.email_confirmed_at = now
        security.save(update_fields=["activated_at", "email_confirmed", "email_confirmed_at"])
        # The admission-credentials login is over for this person: unused links stop working.
        LoginLink.objects.filter(candidate__user=user, used_at__isnull=True).update(used_at=now)
        record("accounts.account.activated", actor=user, obj=user)
    return user


def send_activation_link(user, language: str | None = None) -> bool:
    """Queue the activation email once the transaction commits (call it when a registration
    becomes registered, or on the student's request). False when the account cannot be activated."""
    if not can_activate(user) or not link_allowed(user):
        return False
    _queue_link(user, Purpose.ACTIVATE, language)
    record("accounts.account.activation_link_requested", obj=user)
    return True


def send_reset_link(user, language: str | None = None) -> None:
    """Queue a password reset email for an activated account (the caller applies the limit)."""
    _queue_link(user, Purpose.RESET, language)
    record("accounts.account.reset_link_requested", obj=user)


def _queue_link(user, purpose: str, language: str | None) -> None:
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    user_id = user.pk
    transaction.on_commit(lambda: send_account_link.enqueue(user_id, purpose, language))


@task(queue_name="emails")
def send_account_link(user_id: int, purpose: str, language: str = "fr") -> None:
    """Create the link here, in the worker, so the token never sits in the task queue."""
    user = get_user_model().objects.get(pk=user_id)
    if purpose == Purpose.ACTIVATE:
        if not can_activate(user):
            return  # activated meanwhile, or the registration was cancelled
        to = activation_email(user)
    else:
        if not has_activated_account(user):
            return
        to = user.email
    if not to:
        return
    if sent_already(f"account_{purpose}"):
        return  # taken up again after its worker died: the link was sent; a new one would void it
    token = create_token(user, purpose, to)
    name = "student-account:activate" if purpose == Purpose.ACTIVATE else "student-account:reset-confirm"
    with translation.override(language):
        path = reverse(name, args=[token])
    _send_link_email(user, purpose, to, settings.SITE_URL + path)


def _send_link_email(user, purpose: str, to: str, url: str):
    """Sent now (from the worker); the log keeps no usable link."""
    return send_account_link_email(
        user, purpose=purpose, to=to, url=url, hours=activation_hours(), minutes=reset_minutes()
    )


# --- Reset ---------------------------------------------------------------------------------------


def reset_password(token: str, password: str):
    """Use a reset link: set the (already validated) password. Returns the user; the caller
    does not log them in (the second factor, if any, is still asked at login). Raises TokenError,
    or PasswordNotStored (nothing done)."""
    with transaction.atomic():
        link = _use(token, Purpose.RESET)
        user = get_user_model().objects.select_for_update().get(pk=link.user_id)
        _store_elsewhere(user, password)
        user.set_password(password)
        user.save(update_fields=["password"])
        record("accounts.account.password_reset", actor=user, obj=user)
        forget_failures(user)  # strangers' failures no longer slow the new password down
        notify(user, "password_changed")
    return user


NOTICE_SUBJECTS = {
    "password_changed": "Mot de passe modifié / Password changed — Matricule",
    "two_factor_enabled": "Double authentification activée / Two-step login enabled — Matricule",
    "two_factor_disabled": "Double authentification désactivée / Two-step login disabled — Matricule",
    "staff_authenticator_reset": "Application d'authentification réinitialisée / Authenticator app reset "
    "— Matricule",
    "sign_in_failures": "Tentatives de connexion échouées / Failed login attempts — Matricule",
    "staff_sign_in_failures": "Tentatives de connexion échouées / Failed sign-in attempts — Matricule",
}


def notify(user, event: str) -> None:
    """Tell the account holder about a change to their login (nothing secret in it)."""
    if not user.email:
        return
    body = render_bilingual(
        "notifications/email/account_notice.txt",
        {"first_name": user.first_name, "event": event, "site_url": settings.SITE_URL},
    )
    queue_email(kind=f"account_{event}", to=user.email, subject=NOTICE_SUBJECTS[event], body=body)


def notify_failures(user, event: str) -> bool:
    """Tell the account holder that sign-ins to their account keep failing ("sign_in_failures",
    "staff_sign_in_failures"), at most once a day (limits.NOTICE_EVERY); True when an email is
    queued."""
    if not user.email or not throttle.once(Throttle.Scope.SIGN_IN_NOTICE, str(user.pk), NOTICE_EVERY):
        return False
    notify(user, event)
    record("accounts.sign_in_failures_notified", obj=user, event=event)
    return True
