"""Login of activated students by student number or email + password, and password reset.

The answer is the same for an unknown identifier and a wrong password (the same work is done:
a password is hashed either way), so that nobody can learn who has an account. Failures are
counted per typed identifier and per network address (accounts.throttle); at the limit the
identifier (or address) is locked for a cooling-off period, whether or not an account exists.
Accounts with a second factor then go through accounts.totp before being logged in.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from matricule.audit.services import record

from . import activation, throttle
from .models import Throttle

SCOPE_IDENTIFIER = "password_identifier"
SCOPE_ADDRESS = "password_address"
SCOPE_TOTP = "totp_user"
SCOPE_ACCOUNT_LINK = "account_link"
SCOPE_RESET_ADDRESS = "reset_address"

# Used when settings.MATRICULE_THROTTLES does not (yet) name the scope:
# events, window in seconds, cooling-off in seconds.
DEFAULT_LIMITS = {
    SCOPE_IDENTIFIER: (5, 15 * 60, 15 * 60),  # failed passwords per identifier
    SCOPE_ADDRESS: (100, 15 * 60, 15 * 60),  # failed passwords per network address
    SCOPE_TOTP: (5, 15 * 60, 15 * 60),  # wrong second-factor codes per account
    SCOPE_ACCOUNT_LINK: (5, 60 * 60, 60 * 60),  # activation/reset emails per account
    SCOPE_RESET_ADDRESS: (20, 60 * 60, 60 * 60),  # reset requests per network address
}


# --- Rate limits with defaults -------------------------------------------------------------------


def rule(scope: str) -> throttle.Limit:
    count, window, cooldown = settings.MATRICULE_THROTTLES.get(scope) or DEFAULT_LIMITS[scope]
    return throttle.Limit(
        scope, count, datetime.timedelta(seconds=window), datetime.timedelta(seconds=cooldown)
    )


def locked_until(scope: str, key: str):
    return throttle.locked_until(scope, key[:128])


def hit(scope: str, key: str):
    """throttle.hit, with this module's default limit when the scope is not configured."""
    key = key[:128]
    if scope in settings.MATRICULE_THROTTLES:
        return throttle.hit(scope, key)
    limit = rule(scope)
    now = timezone.now()
    with transaction.atomic():
        row = Throttle.objects.select_for_update().filter(scope=scope, key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Throttle.objects.create(scope=scope, key=key, count=0, window_started_at=now)
            except IntegrityError:  # created meanwhile by a concurrent request
                row = Throttle.objects.select_for_update().get(scope=scope, key=key)
        if row.window_started_at + limit.window <= now:
            row.count, row.window_started_at = 0, now
        row.count += 1
        row.last_event_at = now
        if row.count >= limit.max_events:
            row.locked_until = now + limit.cooldown
        row.save()
        return row.locked_until if row.locked_until and row.locked_until > now else None


def reset_counter(scope: str, key: str) -> None:
    row = Throttle.objects.filter(scope=scope, key=key[:128]).first()
    if row is not None and row.count:
        throttle.lift(row)


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


def link_allowed(user) -> bool:
    """Count one activation or reset email for the account; False when over the limit."""
    key = str(user.pk)
    if locked_until(SCOPE_ACCOUNT_LINK, key):
        record("accounts.account.link_limited", obj=user)
        return False
    hit(SCOPE_ACCOUNT_LINK, key)
    return True
