"""Rate limits of the student login, reset and account emails, with their default limits
(used when settings.MATRICULE_THROTTLES does not name the scope)."""

import datetime

from django.conf import settings

from matricule.audit.services import record

from . import throttle
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
    return throttle.hit(scope, key[:128], rule=rule(scope))


def reset_counter(scope: str, key: str) -> None:
    row = Throttle.objects.filter(scope=scope, key=key[:128]).first()
    if row is not None and row.count:
        throttle.lift(row)


def link_allowed(user) -> bool:
    """Count one activation or reset email for the account; False when over the limit."""
    key = str(user.pk)
    if locked_until(SCOPE_ACCOUNT_LINK, key):
        record("accounts.account.link_limited", obj=user)
        return False
    hit(SCOPE_ACCOUNT_LINK, key)
    return True
