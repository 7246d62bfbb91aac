"""Second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

Students turn it on from their account page; staff set it up at their first sign-in (see
accounts.staff). Either way the account gets one django-otp `TOTPDevice`: unconfirmed while its
key is shown, confirmed by a first code from the app. django-otp keeps the key and checks codes;
settings.OTP_TOTP_* keep our rules: codes of the previous, current and next 30-second step are
accepted, each step at most once (the device's `last_t`), with no drift learned. Wrong codes are
counted here per account (scope totp_user, visible and liftable in the admin), not by
django-otp's back-off; the audit events and emails are ours too.
"""

import base64
import datetime
from dataclasses import dataclass

import pyotp
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from matricule.audit.services import record

from . import activation
from .limits import SCOPE_TOTP, hit, locked_until

DIGITS = 6
INTERVAL = 30
VALID_WINDOW = 1  # steps either side of the current one (clock drift, typing time)
DEVICE_NAME = "authenticator app"


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


def _devices(user, *, confirmed: bool | None = True):
    return TOTPDevice.objects.devices_for_user(user, confirmed=confirmed).order_by("pk")


def is_enabled(user) -> bool:
    return _devices(user).exists()


def enabled_since(user) -> datetime.datetime | None:
    device = _devices(user).first()
    return device.created_at if device else None


def secret(device: TOTPDevice) -> str:
    """The device's key as apps take it (base32; django-otp stores it in hex)."""
    return base64.b32encode(device.bin_key).decode()


# --- Setting up the app (students and staff) -----------------------------------------------------


def _new_device(user, **fields) -> TOTPDevice:
    # A new key (django-otp's: 20 random bytes) unless one is given; our rules, named here.
    return TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, digits=DIGITS, step=INTERVAL, tolerance=VALID_WINDOW, **fields
    )


def set_known_key(user, key: str) -> None:
    """Give the account a confirmed app with this base32 key, in place of any other: the demo's
    staff (whose keys it prints) and tests. Never for real accounts: a known key is no factor."""
    padded = key + "=" * (-len(key) % 8)  # padding is optional in base32 keys
    with transaction.atomic():
        _devices(user, confirmed=None).delete()
        _new_device(user, confirmed=True, key=base64.b32decode(padded, casefold=True).hex())


def start_setup(user) -> str:
    """The key to enter in the app: a new one, or the one already shown and not yet confirmed."""
    with transaction.atomic():
        # One set-up at a time per account (two tabs): a single unconfirmed device.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if is_enabled(user):
            raise TotpError("already_enabled")
        device = _devices(user, confirmed=False).first() or _new_device(user, confirmed=False)
        return secret(device)


def issuer() -> str:
    from matricule.institution.models import University

    university = University.objects.first()
    return (university.short_name or university.name) if university else "Matricule"


def account_label(user) -> str:
    student = getattr(user, "student", None)
    return (student.student_number if student and student.student_number else "") or user.email


def provisioning_uri(key: str, *, label: str, issuer: str) -> str:
    """The otpauth:// address apps read (from a QR code, or pasted). Not django-otp's `config_url`,
    which names the account by its username (internal for students)."""
    return pyotp.TOTP(key, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=label, issuer_name=issuer)


def grouped(key: str) -> str:
    """The key in groups of four, easier to type."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


# --- Checking codes ------------------------------------------------------------------------------


def _check(user, device: TOTPDevice, code: str, address: str) -> CodeCheck:
    """Check a code against the (locked) device; counts a wrong code."""
    key = str(user.pk)
    until = locked_until(SCOPE_TOTP, key)
    if until:
        return CodeCheck(locked_until=until)
    code = "".join(code.split())
    # django-otp reads the code as a number: "12345" would pass for 012345.
    if len(code) == DIGITS and code.isascii() and code.isdigit() and device.verify_token(code):
        return CodeCheck(ok=True)
    until = hit(SCOPE_TOTP, key)
    record("accounts.totp.failed", actor=user, obj=user, address=address)
    return CodeCheck(locked_until=until)


def confirm(user, code: str, *, address: str = "") -> CodeCheck:
    """Turn the second factor on with a first code from the app (the key of `start_setup`)."""
    with transaction.atomic():
        if is_enabled(user):
            raise TotpError("already_enabled")
        device = _devices(user, confirmed=False).select_for_update().first()
        if device is None:
            raise TotpError("not_enabled")
        outcome = _check(user, device, code, address)
        if outcome.ok:
            device.confirmed = True
            # "On since" counts from here, not from when the key was first shown.
            device.created_at = timezone.now()
            device.save(update_fields=["confirmed", "created_at"])
    return outcome


def verify(user, code: str, *, address: str = "") -> CodeCheck:
    """A current code from the account's app."""
    with transaction.atomic():
        # Locked: two requests with the same code cannot both pass.
        device = _devices(user).select_for_update().first()
        if device is None:
            raise TotpError("not_enabled")
        return _check(user, device, code, address)


def remove(user, *, actor, action: str, notice: str) -> bool:
    """Someone else turns the account's second factor off, after checking who is asking (lost
    phone): its other sessions end, the person is told by email. False when it was not on."""
    with transaction.atomic():
        devices = _devices(user, confirmed=None).select_for_update()
        if not any(device.confirmed for device in devices):
            return False
        devices.delete()  # a set-up under way too
        record(action, actor=actor, obj=user)
        user.end_other_sessions()  # the lost phone's sessions end too
        activation.notify(user, notice)
    return True


# --- Students ------------------------------------------------------------------------------------


def _activated(user) -> None:
    if not activation.has_activated_account(user):
        raise TotpError("not_activated")


def confirm_setup(user, code: str, *, address: str = "") -> CodeCheck:
    """A student turns the second factor on with a first code from the app."""
    with transaction.atomic():
        _activated(user)
        outcome = confirm(user, code, address=address)
        if outcome.ok:
            record("accounts.totp.enabled", actor=user, obj=user)
            activation.notify(user, "two_factor_enabled")
    return outcome


def disable(user, code: str, *, address: str = "") -> CodeCheck:
    """A student turns the second factor off; a current code is required."""
    with transaction.atomic():
        _activated(user)
        outcome = verify(user, code, address=address)
        if outcome.ok:
            _devices(user, confirmed=None).delete()
            record("accounts.totp.disabled", actor=user, obj=user)
            activation.notify(user, "two_factor_disabled")
    return outcome


def verify_login(user, code: str, *, address: str) -> CodeCheck:
    """The student login's second step, after the password."""
    with transaction.atomic():
        _activated(user)
        outcome = verify(user, code, address=address)
        if outcome.ok:
            record("accounts.totp.login", actor=user, obj=user, address=address)
    return outcome


def staff_disable(user, *, actor) -> None:
    """A registrar turns the second factor off for a student who lost their app (identity checked
    at the desk); the student is told by email."""
    remove(user, actor=actor, action="accounts.totp.disabled_by_staff", notice="two_factor_disabled")
