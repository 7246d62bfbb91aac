"""Login of activated students by student number or email + password, and password reset.

The answer is the same for an unknown identifier and a wrong password (the same work is done:
a password is hashed either way), so that nobody can learn who has an account. Failures slow
the next attempts down (accounts.limits.SignIn): per typed identifier and address, and per
identifier, whether or not an account exists; never per address alone. A browser that signed
in to the account before (accounts.devices) counts its own failures only, so that strangers'
failures never slow the account holder down there. Accounts with a second factor then go
through accounts.totp before being logged in.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from matricule.audit.services import record

from . import activation, limits
from .limits import SCOPE_RESET_ADDRESS, AddressAttempt, identifier_key, link_allowed

# --- Login ---------------------------------------------------------------------------------------


def _accounts_for(identifier: str, queryset):
    text = identifier.strip()
    if not text:
        return []
    if "@" in text:
        queryset = queryset.filter(email__iexact=text)
    else:
        queryset = queryset.filter(student__student_number__iexact=text)
    return list(queryset.order_by("pk")[:3])


def find_accounts(identifier: str):
    """Activated, active accounts the identifier names (an email may name more than one)."""
    queryset = get_user_model().objects.filter(is_active=True, security__activated_at__isnull=False)
    return _accounts_for(identifier, queryset)


@dataclass(frozen=True)
class LoginOutcome(limits.Answer):
    user: object = None  # when the password matches


def authenticate(*, identifier: str, password: str, address: str, devices=()) -> LoginOutcome:
    """Check a student's password. The outcome holds the user when it matches; the caller
    then asks for the second factor (accounts.totp.is_enabled) before logging them in.
    `devices`: the (account id, nonce) pairs of the browser's device cookie."""
    key = identifier_key(identifier)
    accounts = None
    device = None
    if devices:  # only then are the accounts needed before the delay is known
        accounts = find_accounts(identifier)
        wanted = {account.pk for account in accounts}
        device = next((nonce for user_id, nonce in devices if user_id in wanted), None)
    attempt = limits.SignIn(limits.STUDENTS, key, address, device)
    retry_at = attempt.retry_at()
    if retry_at:  # nothing checked, nothing written: a flood costs one read per request
        return LoginOutcome(retry_at=retry_at)

    if accounts is None:
        accounts = find_accounts(identifier)
    user = next((account for account in accounts if account.check_password(password)), None)
    if not accounts:
        make_password(password)  # the same hashing work as for a real account
    if user is None:
        charge = attempt.failed()
        record(
            "accounts.password_login.failed",
            identifier=key[:128],
            address=address,
            device=bool(device),
            failures=charge.count,
        )
        if limits.should_notify(charge):
            for account in accounts:
                activation.notify_failures(account, "sign_in_failures")
        return LoginOutcome()
    attempt.succeeded()
    record("accounts.password_login.password_ok", actor=user, obj=user, address=address)
    return LoginOutcome(user=user)


# --- Reset ---------------------------------------------------------------------------------------


class ResetRequest(limits.Answer):
    """Slowed: a delay is in force for the address, the request was not taken; try again then."""


def request_password_reset(*, identifier: str, address: str, language: str | None = None) -> ResetRequest:
    """Email a reset link to the account the identifier names, if any (an activation link when
    a registered student has not activated yet). The answer never says whether it exists.
    Requests from one address are slowed down past a number, never locked (limits)."""
    attempt = AddressAttempt(SCOPE_RESET_ADDRESS, address)
    retry_at = attempt.retry_at()
    if retry_at:
        return ResetRequest(retry_at=retry_at)
    with transaction.atomic():
        attempt.counted()
        queryset = get_user_model().objects.filter(is_active=True)
        sent = 0
        for user in _accounts_for(identifier, queryset):
            if activation.has_activated_account(user):
                if link_allowed(user):
                    activation.send_reset_link(user, language)
                    sent += 1
            elif activation.send_activation_link(user, language):
                sent += 1
        if not sent:
            record(
                "accounts.password_reset.no_link",
                identifier=identifier_key(identifier)[:128],
                address=address,
            )
    return ResetRequest()
