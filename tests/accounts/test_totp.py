"""Optional second factor: TOTP codes from an authenticator app, asked after the password."""

import datetime

import pyotp
from django.utils import timezone

from matricule.accounts import totp
from matricule.notifications.models import Email
from tests.accounts.conftest import code_at, enable

STEP = datetime.timedelta(seconds=30)


def test_codes_one_step_either_side_are_accepted_each_once(activated_user, clock):
    secret = pyotp.random_base32()
    totp.set_known_key(activated_user, secret)
    now = timezone.now()

    assert not totp.verify_login(activated_user, code_at(secret, now - 2 * STEP), address="").ok
    assert totp.verify_login(activated_user, code_at(secret, now - STEP), address="").ok
    assert not totp.verify_login(activated_user, code_at(secret, now - STEP), address="").ok  # replayed
    assert totp.verify_login(activated_user, code_at(secret, now + STEP), address="").ok
    assert not totp.verify_login(activated_user, code_at(secret, now), address="").ok  # older than the last
    assert not totp.verify_login(activated_user, code_at(secret, now + 2 * STEP), address="").ok


def test_staff_can_turn_the_second_factor_off(client, activated_user, administrator, clock):
    enable(client, activated_user)
    totp.staff_disable(activated_user, actor=administrator)
    assert not totp.is_enabled(activated_user)
    assert Email.objects.filter(kind="account_two_factor_disabled", to=activated_user.email).exists()


def test_a_code_is_six_digits_whatever_django_otp_reads(activated_user, clock):
    """django-otp compares codes as numbers: 012345 must still be typed with its 0."""
    secret = pyotp.random_base32()
    totp.set_known_key(activated_user, secret)
    while not code_at(secret, timezone.now()).startswith("0"):
        clock.shift(STEP)
    code = code_at(secret, timezone.now())
    assert not totp.verify_login(activated_user, code[1:], address="").ok
    assert not totp.verify_login(activated_user, f"{int(code):+d}", address="").ok
    assert totp.verify_login(activated_user, f" {code[:3]} {code[3:]} ", address="").ok
