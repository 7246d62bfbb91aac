"""Login of activated students by student number or email + password, and password reset.

The answer is the same for an unknown identifier and a wrong password (the same work is done:
a password is hashed either way), so that nobody can learn who has an account. Failures are
counted per typed identifier and per network address (accounts.throttle); at the limit the
identifier (or address) is locked for a cooling-off period, whether or not an account exists.
Accounts with a second factor then go through accounts.totp before being logged in.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from matricule.audit.services import record

from . import activation

# The limits live in .limits (activation counts its emails there too); these names stay
# importable from here for the login's callers.
from .limits import (  # noqa: F401
    DEFAULT_LIMITS,
    SCOPE_ACCOUNT_LINK,
    SCOPE_ADDRESS,
    SCOPE_IDENTIFIER,
    SCOPE_RESET_ADDRESS,
    SCOPE_TOTP,
    hit,
    link_allowed,
    locked_until,
    reset_counter,
    rule,
)

# --- Login ---------------------------------------------------------------------------------------


def identifier_key(identifier: str) -> str:
    """The form failures are counted under: student numbers and emails, case-insensitive."""
    return " ".join(identifier.split()).casefold()


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
class LoginOutcome:
    user: object = None
    locked_until: datetime.datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def authenticate(*, identifier: str, password: str, address: str) -> LoginOutcome:
    """Check a student's password. The outcome holds the user when it matches; the caller
    then asks for the second factor (accounts.totp.is_enabled) before logging them in."""
    key = identifier_key(identifier)
    for scope, value in ((SCOPE_ADDRESS, address), (SCOPE_IDENTIFIER, key)):
        until = locked_until(scope, value)
        if until:
            record("accounts.password_login.locked", scope=scope, identifier=key[:128], address=address)
            return LoginOutcome(locked_until=until)

    accounts = find_accounts(identifier)
    user = next((account for account in accounts if account.check_password(password)), None)
    if not accounts:
        make_password(password)  # the same hashing work as for a real account
    if user is None:
        until = hit(SCOPE_IDENTIFIER, key)
        until = hit(SCOPE_ADDRESS, address) or until
        record("accounts.password_login.failed", identifier=key[:128], address=address)
        return LoginOutcome(locked_until=until)
    reset_counter(SCOPE_IDENTIFIER, key)
    record("accounts.password_login.password_ok", actor=user, obj=user, address=address)
    return LoginOutcome(user=user)


# --- Reset ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetRequest:
    locked_until: datetime.datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def request_password_reset(*, identifier: str, address: str, language: str | None = None) -> ResetRequest:
    """Email a reset link to the account the identifier names, if any (an activation link when
    a registered student has not activated yet). The answer never says whether it exists."""
    until = locked_until(SCOPE_RESET_ADDRESS, address)
    if until:
        return ResetRequest(locked_until=until)
    with transaction.atomic():
        hit(SCOPE_RESET_ADDRESS, address)
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
