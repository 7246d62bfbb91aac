"""Optional second factor: TOTP codes from an authenticator app, asked after the password."""
# ruff: noqa: F811 - the fixtures imported from test_activation are used as test arguments

import datetime

import pyotp
import pytest
import time_machine
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from matricule.accounts import totp
from matricule.accounts.models import AccountSecurity
from matricule.notifications.models import Email
from tests.accounts.test_activation import (  # noqa: F401 - fixtures
    PASSWORD,
    activated_user,
    immediate_tasks,
    registered_user,
    url,
)

STEP = datetime.timedelta(seconds=30)


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


def secret_of(user) -> str:
    """The key the set-up page showed (base32), from the account's device."""
    return totp.secret(TOTPDevice.objects.get(user=user))


def session_user(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def clock():
    """Frozen time at the start of a 30-second step (codes are computed against it)."""
    start = timezone.now().replace(microsecond=0)
    start -= datetime.timedelta(seconds=start.second % 30) - datetime.timedelta(seconds=2)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def enable(client, user) -> str:
    client.force_login(user)
    assert client.get(url("totp-enable")).status_code == 200
    secret = secret_of(user)
    response = client.post(url("totp-enable"), {"code": code_at(secret, timezone.now())})
    assert response.status_code == 302 and response.url == url("home")
    client.logout()
    return secret


def log_in(client, user, password=PASSWORD):
    return client.post(url("login"), {"identifier": user.email, "password": password})


def test_enable_shows_the_secret_and_needs_a_first_code(client, activated_user, clock):
    client.force_login(activated_user)
    assert "Turn two-step login on" in client.get(url("home")).content.decode()
    page = client.get(url("totp-enable"))
    assert page.status_code == 200 and "no-cache" in page.headers["Cache-Control"]
    secret = secret_of(activated_user)
    html = page.content.decode()
    assert totp.grouped(secret) in html
    assert "otpauth://totp/" in html and f"secret={secret}" in html
    assert activated_user.student.student_number in html
    assert client.get(url("totp-enable")).content.decode().count(totp.grouped(secret)) == 1  # same secret

    wrong_code = "000000" if code_at(secret, timezone.now()) != "000000" else "111111"
    wrong = client.post(url("totp-enable"), {"code": wrong_code})
    assert wrong.status_code == 400 and "This code is not right" in wrong.content.decode()
    assert not totp.is_enabled(activated_user)
    letters = client.post(url("totp-enable"), {"code": "12ab56"})
    assert letters.status_code == 400 and "Type the 6 digits" in letters.content.decode()

    done = client.post(url("totp-enable"), {"code": code_at(secret, timezone.now())})
    assert done.status_code == 302 and totp.is_enabled(activated_user)
    assert "Turn two-step login off" in client.get(url("home")).content.decode()
    assert Email.objects.filter(kind="account_two_factor_enabled", to=activated_user.email).exists()
    assert client.get(url("totp-enable")).status_code == 302  # already on


def test_login_asks_the_code_after_the_password(client, activated_user, clock):
    secret = enable(client, activated_user)
    clock.shift(STEP)
    response = log_in(client, activated_user)
    assert response.status_code == 302 and response.url == url("login-code")
    assert session_user(client) is None  # not logged in yet
    page = client.get(url("login-code"))
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()

    assert client.post(url("login-code"), {"code": "12345"}).status_code == 400
    response = client.post(url("login-code"), {"code": code_at(secret, timezone.now())})
    assert response.status_code == 302
    assert session_user(client) == str(activated_user.pk)


def test_a_wrong_password_never_reaches_the_code_step(client, activated_user, clock):
    enable(client, activated_user)
    assert log_in(client, activated_user, "Pas le bon mot de passe").status_code == 400
    assert client.get(url("login-code")).status_code == 302  # nothing pending: back to the login


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


def test_five_wrong_codes_lock_the_second_step(client, activated_user, clock):
    secret = enable(client, activated_user)
    clock.shift(STEP)
    log_in(client, activated_user)
    right = code_at(secret, timezone.now())
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert client.post(url("login-code"), {"code": wrong}).status_code == 400
    fifth = client.post(url("login-code"), {"code": wrong})
    assert fifth.status_code == 429 and "Too many attempts" in fifth.content.decode()
    assert client.get(url("login-code")).status_code == 302  # the pending login is dropped

    log_in(client, activated_user)
    assert client.post(url("login-code"), {"code": right}).status_code == 429
    assert session_user(client) is None


def test_the_pending_login_expires_after_five_minutes(client, activated_user, clock):
    secret = enable(client, activated_user)
    clock.shift(STEP)
    log_in(client, activated_user)
    clock.shift(datetime.timedelta(minutes=6))
    response = client.post(url("login-code"), {"code": code_at(secret, timezone.now())})
    assert response.status_code == 302 and response.url == url("login")
    assert session_user(client) is None


def test_disable_needs_a_current_code(client, activated_user, clock):
    secret = enable(client, activated_user)
    clock.shift(STEP)
    client.force_login(activated_user)
    assert client.get(url("totp-disable")).status_code == 200
    wrong = "000000" if code_at(secret, timezone.now()) != "000000" else "111111"
    assert client.post(url("totp-disable"), {"code": wrong}).status_code == 400
    assert totp.is_enabled(activated_user)
    response = client.post(url("totp-disable"), {"code": code_at(secret, timezone.now())})
    assert response.status_code == 302 and not totp.is_enabled(activated_user)
    assert Email.objects.filter(kind="account_two_factor_disabled").exists()

    client.logout()
    response = log_in(client, activated_user)
    assert response.status_code == 302 and response.url != url("login-code")
    assert session_user(client) == str(activated_user.pk)


def test_the_second_factor_needs_an_activated_account(client, registered_user):
    client.force_login(registered_user)  # logged in with the Parcoursup details
    assert client.get(url("totp-enable")).status_code == 302
    assert client.get(url("totp-disable")).status_code == 302
    assert not AccountSecurity.objects.filter(user=registered_user).exists()
    assert client.get(url("totp-enable")).status_code == 302


def test_account_pages_need_a_login(client, demo):
    for name in ("home", "totp-enable", "totp-disable"):
        response = client.get(url(name))
        assert response.status_code == 302 and response.url.startswith(url("login"))


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


def test_the_admin_does_not_show_the_keys():
    """Resetting goes through the admin action (audit event, email, sessions ended), and an
    administrator never sees someone's key."""
    from django.contrib import admin

    import matricule.accounts.admin  # noqa: F401 - what unregisters django-otp's device admin

    assert not admin.site.is_registered(TOTPDevice)
