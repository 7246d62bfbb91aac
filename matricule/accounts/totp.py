"""Optional second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

The student turns it on from their account page: a secret is shown (as text and as an
otpauth:// address), and it is on only once a first code from the app confirms it. At login,
after the password, a 6-digit code is asked; codes of the previous, current and next 30-second
step are accepted, each step at most once. Wrong codes are counted per account.
"""

import datetime
import hmac
from dataclasses import dataclass

import pyotp
from django.db import transaction
from django.utils import timezone

from matricule.audit.services import record

from . import activation
from .models import AccountSecurity
from .password_login import SCOPE_ADDRESS, SCOPE_TOTP, hit, locked_until

DIGITS = 6
INTERVAL = 30
VALID_WINDOW = 1  # steps either side of the current one (clock drift, typing time)


class TotpError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # "not_activated", "already_enabled", "not_enabled"


@dataclass(frozen=True)
class CodeCheck:
    ok: bool = False
    locked_until: datetime.datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def is_enabled(user) -> bool:
    return (
        AccountSecurity.objects.filter(user_id=user.pk, totp_confirmed_at__isnull=False)
        .exclude(totp_secret="")
        .exists()
    )


def _security(user, *, lock: bool = True) -> AccountSecurity:
    queryset = AccountSecurity.objects.select_for_update() if lock else AccountSecurity.objects
    security = queryset.filter(user_id=user.pk, activated_at__isnull=False).first()
    if security is None:
        raise TotpError("not_activated")
    return security


def start_setup(user) -> str:
    """The secret to enter in the app: a new one, or the one already shown and not yet confirmed."""
    with transaction.atomic():
        security = _security(user)
        if security.totp_enabled:
            raise TotpError("already_enabled")
        if not security.totp_secret:
            security.totp_secret = pyotp.random_base32()  # 160 bits
            security.save(update_fields=["totp_secret"])
        return security.totp_secret


def issuer() -> str:
    from matricule.institution.models import University

    university = University.objects.first()
    return (university.short_name or university.name) if university else "Matricule"


def account_label(user) -> str:
    student = getattr(user, "student", None)
    return (student.student_number if student and student.student_number else "") or user.email


def provisioning_uri(user, secret: str) -> str:
    """The otpauth:// address apps read (from a QR code, or pasted)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account_label(user), issuer_name=issuer()
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, *, after: int | None, now=None) -> int | None:
    """The time step the code belongs to (within the window), if later than `after`."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = totp.timecode(now or timezone.now())
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            found = step  # no early exit: the same work whichever step matches
    return found


def _check(user, security: AccountSecurity, code: str, address: str) -> CodeCheck:
    """Check a code against the (locked) security row; counts a wrong code."""
    key = str(user.pk)
    until = locked_until(SCOPE_TOTP, key)
    if until:
        return CodeCheck(locked_until=until)
    step = matching_step(security.totp_secret, code, after=security.totp_last_step)
    if step is None:
        until = hit(SCOPE_TOTP, key)
        if address:
            hit(SCOPE_ADDRESS, address)
        record("accounts.totp.failed", actor=user, obj=user, address=address)
        return CodeCheck(locked_until=until)
    security.totp_last_step = step
    security.save(update_fields=["totp_last_step"])
    return CodeCheck(ok=True)


def confirm_setup(user, code: str, *, address: str = "") -> CodeCheck:
    """Turn the second factor on with a first code from the app."""
    with transaction.atomic():
        security = _security(user)
        if security.totp_enabled:
            raise TotpError("already_enabled")
        if not security.totp_secret:
            raise TotpError("not_enabled")
        outcome = _check(user, security, code, address)
        if outcome.ok:
            security.totp_confirmed_at = timezone.now()
            security.save(update_fields=["totp_confirmed_at"])
            record("accounts.totp.enabled", actor=user, obj=user)
            activation.notify(user, "two_factor_enabled")
    return outcome


def disable(user, code: str, *, address: str = "") -> CodeCheck:
    """Turn the second factor off; a current code is required."""
    with transaction.atomic():
        security = _security(user)
        if not security.totp_enabled:
            raise TotpError("not_enabled")
        outcome = _check(user, security, code, address)
        if outcome.ok:
            security.totp_secret = ""
            security.totp_confirmed_at = None
            security.save(update_fields=["totp_secret", "totp_confirmed_at"])
            record("accounts.totp.disabled", actor=user, obj=user)
            activation.notify(user, "two_factor_disabled")
    return outcome


def verify_login(user, code: str, *, address: str) -> CodeCheck:
    """The login's second step, after the password."""
    with transaction.atomic():
        security = _security(user)
        if not security.totp_enabled:
            raise TotpError("not_enabled")
        outcome = _check(user, security, code, address)
        if outcome.ok:
            record("accounts.totp.login", actor=user, obj=user, address=address)
    return outcome


def staff_disable(user, *, actor) -> None:
    """A registrar turns the second factor off for a student who lost their app (identity checked
    at the desk); the student is told by email."""
    with transaction.atomic():
        security = AccountSecurity.objects.select_for_update().filter(user_id=user.pk).first()
        if security is None or not security.totp_enabled:
            return
        security.totp_secret = ""
        security.totp_confirmed_at = None
        security.save(update_fields=["totp_secret", "totp_confirmed_at"])
        record("accounts.totp.disabled_by_staff", actor=actor, obj=user)
        user.end_other_sessions()  # the lost phone's sessions end too
        activation.notify(user, "two_factor_disabled")
