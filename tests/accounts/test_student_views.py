"""The student account's pages: activation, login by student number or email + password (and its
rate limits), the second step with a code, password reset by email, turning the second factor on
and off."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.utils import timezone

from matricule.accounts import activation, totp
from matricule.accounts.models import AccountSecurity, ActivationToken, Throttle
from matricule.notifications.models import Email
from tests.accounts.conftest import PASSWORD, both, code_at, enable, secret_of, token_from, url

WRONG = "Pas le bon mot de passe 1"  # noqa: S105
STEP = datetime.timedelta(seconds=30)


def log_in(client, identifier, password=PASSWORD, address="203.0.113.7", **extra):
    """Post the login form; `identifier` may be a user, who logs in with their email."""
    if not isinstance(identifier, str):
        identifier = identifier.email
    return client.post(
        url("login"), {"identifier": identifier, "password": password, **extra}, REMOTE_ADDR=address
    )


def session_user(client):
    """The id of the logged-in user, as a string, or None."""
    return client.session.get("_auth_user_id")


def _normalise(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def request_reset(client, outbox, immediate_tasks, django_capture_on_commit_callbacks):
    def ask(identifier, address="203.0.113.7"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url("reset"), {"identifier": identifier}, REMOTE_ADDR=address)

    return ask


# --- Activation ----------------------------------------------------------------------------------


def test_activation_sets_the_password_confirms_the_email_and_logs_in(client, registered_user, send, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    registration = registered_user.student.registrations.get()
    registration.cleaned["contacts"]["email"] = "chloe.new@example.org"
    registration.save(update_fields=["cleaned"])
    token = send(registered_user)

    page = client.get(url("activate", token))  # a mail scanner's visit uses nothing
    assert page.status_code == 200
    html = page.content.decode()
    assert "chloe.new@example.org" in html and 'autocomplete="new-password"' in html
    assert "csrfmiddlewaretoken" in html and "no-cache" in page.headers["Cache-Control"]

    response = client.post(url("activate", token), both(PASSWORD))
    assert response.status_code == 302 and response.url == url("home")
    assert client.get(url("home")).context["user"] == registered_user

    registered_user.refresh_from_db()
    assert registered_user.check_password(PASSWORD)
    assert identify_hasher(registered_user.password).algorithm == "argon2"
    assert registered_user.email == "chloe.new@example.org"
    security = AccountSecurity.objects.get(user=registered_user)
    assert security.activated_at and security.email_confirmed_at
    assert security.email_confirmed == "chloe.new@example.org"
    assert activation.has_activated_account(registered_user)


def test_an_activation_link_works_once(client, registered_user, send):
    token = send(registered_user)
    older = activation.create_token(registered_user, "activate", "chloe.lefevre@example.org")
    client.post(url("activate", token), both(PASSWORD))

    again = client.__class__().post(url("activate", token), both("Un autre mot de passe 7"))
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert client.__class__().get(url("activate", older)).status_code == 410  # older links retired too
    registered_user.refresh_from_db()
    assert registered_user.check_password(PASSWORD)


def test_an_activation_link_expires_after_48_hours(client, registered_user, send):
    token = send(registered_user)
    with time_machine.travel(datetime.timedelta(hours=47, minutes=59)):
        assert client.get(url("activate", token)).status_code == 200
    with time_machine.travel(datetime.timedelta(hours=48, minutes=1)):
        response = client.post(url("activate", token), both(PASSWORD))
    assert response.status_code == 410 and "expired" in response.content.decode()
    registered_user.refresh_from_db()
    assert not registered_user.has_usable_password()


def test_unknown_activation_link_is_refused(client, demo):
    assert client.get(url("activate", "not-a-real-token")).status_code == 410


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1234", "This password is too common."),
        ("lefèvrechloé", "The password is too similar to the"),
        ("4815162342", "This password is entirely numeric."),
        ("court", "This password is too short. It must contain at least 10 characters."),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(client, registered_user, send, password, message):
    token = send(registered_user)
    response = client.post(url("activate", token), both(password))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary"' in html and 'href="#id_new_password1"' in html
    registered_user.refresh_from_db()
    assert not registered_user.has_usable_password()
    assert client.get(url("activate", token)).status_code == 200  # the link still works


def test_weak_password_messages_in_french(client, registered_user, send):
    token = send(registered_user)
    response = client.post(url("activate", token, language="fr"), both("password1234"))
    assert "Ce mot de passe est trop courant." in response.content.decode()


def test_passwords_holding_the_student_number_or_birth_date_are_refused(client, registered_user, send):
    token = send(registered_user)
    number = registered_user.student.student_number
    birth = registered_user.candidacies.get().birth_date.strftime("%d%m%Y")
    for password in (f"Etudiant-{number}!", f"Anniversaire {birth[:2]}/{birth[2:4]}/{birth[4:]}"):
        response = client.post(url("activate", token), both(password))
        assert response.status_code == 400
        assert "must not contain your student number" in response.content.decode()


def test_the_two_passwords_must_match(client, registered_user, send):
    token = send(registered_user)
    response = client.post(url("activate", token), both(PASSWORD, PASSWORD + "x"))
    assert response.status_code == 400 and "The two passwords are not the same." in response.content.decode()


def test_a_cancelled_registration_cannot_be_activated(client, registered_user, send):
    token = send(registered_user)
    registered_user.student.registrations.update(state="cancelled")
    assert client.get(url("activate", token)).status_code == 410


def test_the_student_asks_for_the_link_from_their_account_page(
    client, registered_user, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    client.force_login(registered_user)  # logged in with the Parcoursup details
    page = client.get(url("home")).content.decode()
    assert url("activation-request") in page
    assert client.get(url("activation-request")).status_code == 405  # POST only
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("activation-request"))
        assert response.status_code == 302 and response.url == url("activation-sent")
    assert "chloe.lefevre@example.org" in client.get(response.url).content.decode()
    assert len(outbox) == 5
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("activation-request"))
    assert len(outbox) == 5  # limited: 5 an hour
    assert "Several links were sent recently" in client.get(url("activation-sent")).content.decode()


def test_activation_request_needs_a_login(client, demo):
    response = client.post(url("activation-request"))
    assert response.status_code == 302 and response.url.startswith(url("login"))


# --- Password login ------------------------------------------------------------------------------


def test_login_page_asks_for_the_identifier_and_password(client, demo):
    response = client.get(url("login"))
    html = response.content.decode()
    assert response.status_code == 200 and "no-cache" in response.headers["Cache-Control"]
    assert "Student number or email address" in html and 'type="password"' in html
    assert 'autocomplete="current-password"' in html and "csrfmiddlewaretoken" in html
    assert url("reset") in html  # forgotten password
    french = client.get(url("login", language="fr"))
    assert french.status_code == 200


def test_login_by_student_number(client, activated_user):
    number = activated_user.student.student_number
    response = log_in(client, f" {number.lower()} ", PASSWORD)
    assert response.status_code == 302
    assert session_user(client) == str(activated_user.pk)


def test_login_by_email_whatever_its_case(client, activated_user):
    response = log_in(client, "Chloe.Lefevre@EXAMPLE.org", PASSWORD)
    assert response.status_code == 302
    assert session_user(client) == str(activated_user.pk)


def test_login_goes_to_a_safe_next_page_only(client, activated_user):
    response = log_in(client, activated_user.email, PASSWORD, next=url("totp-enable"))
    assert response.url == url("totp-enable")
    other = client.__class__()
    response = log_in(other, activated_user.email, PASSWORD, next="https://evil.example/")
    assert "evil" not in response.url


def test_wrong_password_and_unknown_account_get_the_same_answer(client, activated_user):
    wrong = log_in(client, activated_user.email, WRONG)
    unknown = log_in(client.__class__(), "personne@example.org", WRONG)
    assert wrong.status_code == unknown.status_code == 400
    assert _normalise(wrong).replace(activated_user.email, "X") == _normalise(unknown).replace(
        "personne@example.org", "X"
    )
    assert "is not right" in wrong.content.decode()
    assert WRONG not in wrong.content.decode()  # the password is never sent back
    assert session_user(client) is None


def test_a_registered_student_who_has_not_activated_cannot_use_the_password_login(
    client, registered_user, administrator
):
    number = registered_user.student.student_number
    registered_user.set_password(PASSWORD)  # even with a password set some other way
    registered_user.save()
    assert log_in(client, number, PASSWORD).status_code == 400
    assert log_in(client, registered_user.email, PASSWORD).status_code == 400
    administrator.email = "admin@example.org"
    administrator.set_password(PASSWORD)
    administrator.save()
    assert log_in(client, "admin@example.org", PASSWORD).status_code == 400  # staff: not here


def test_repeated_failures_slow_the_login_down_and_say_when_to_try_again(client, activated_user):
    number = activated_user.student.student_number
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for attempt in range(11):
            assert log_in(client, number, WRONG, address=f"192.0.2.{attempt}").status_code == 400
        slowed = log_in(client, number, PASSWORD, address="198.51.100.200")  # not even checked
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "5"
    page = slowed.content.decode()
    assert "Too many attempts" in page and "has not been checked" in page
    assert re.search(r"5 seconds?", page)
    assert f'value="{number}"' in page and PASSWORD not in page  # what was typed, but the password
    assert session_user(client) is None
    with time_machine.travel(start + datetime.timedelta(seconds=5), tick=False):
        assert log_in(client, number, PASSWORD).status_code == 302


def test_unknown_identifiers_are_slowed_down_the_same_way(client, demo):
    for attempt in range(11):
        assert log_in(client, "99999999", WRONG, address=f"192.0.2.{attempt}").status_code == 400
    assert log_in(client, "99999999", WRONG).status_code == 429


def test_failures_from_one_address_never_slow_other_students_there(client, activated_user):
    for n in range(100):  # a whole lycée's worth of mistakes, each for another identifier
        log_in(client.__class__(), f"2600{n:04d}", WRONG)
    assert log_in(client, activated_user.email, PASSWORD).status_code == 302


def test_a_browser_that_logged_in_before_is_not_slowed_by_strangers(
    client, activated_user, django_user_model
):
    assert log_in(client, activated_user, PASSWORD).status_code == 302
    cookie = client.cookies["matricule_device"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    client.post("/deconnexion/")  # signing out keeps the device cookie
    for attempt in range(50):  # strangers, from everywhere
        log_in(client.__class__(), activated_user, WRONG, address=f"192.0.2.{attempt}")
    stranger = log_in(client.__class__(), activated_user, PASSWORD, address="198.51.100.9")
    assert stranger.status_code == 429
    assert log_in(client, activated_user, PASSWORD).status_code == 302  # the known browser
    assert session_user(client) == str(activated_user.pk)

    # A forged cookie, or one naming someone else, is no help.
    forged = client.__class__()
    forged.cookies["matricule_device"] = cookie.value[:-3] + "abc"
    assert log_in(forged, activated_user, PASSWORD).status_code == 429
    lea = django_user_model.objects.create_user("lea", email="lea@example.org")
    from django.core import signing

    from matricule.accounts import devices

    theirs = client.__class__()
    theirs.cookies["matricule_device"] = signing.dumps([[lea.pk, "her-nonce"]], salt=devices.SALT)
    assert log_in(theirs, activated_user, PASSWORD).status_code == 429


def test_the_device_cookie_is_set_after_the_second_step_only(client, activated_user, clock):
    secret = enable(client, activated_user)
    clock.shift(STEP)
    assert log_in(client, activated_user, PASSWORD).status_code == 302
    assert "matricule_device" not in client.cookies
    client.post(url("login-code"), {"code": code_at(secret, timezone.now())})
    assert session_user(client) == str(activated_user.pk)
    assert "matricule_device" in client.cookies


def test_a_success_clears_the_failures_of_the_identifier(client, activated_user):
    for _ in range(4):
        log_in(client, activated_user.email, WRONG)
    assert log_in(client, activated_user.email, PASSWORD).status_code == 302
    other = client.__class__()
    for _ in range(4):
        assert log_in(other, activated_user.email, WRONG).status_code == 400


# --- The second step with a code -----------------------------------------------------------------


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


# --- Password reset ------------------------------------------------------------------------------


def test_reset_by_email_sets_a_new_password_once(client, activated_user, request_reset, outbox):
    number = activated_user.student.student_number
    response = request_reset(number)
    assert response.status_code == 302 and response.url == url("reset-sent")
    assert outbox[-1].to == [activated_user.email]
    token = token_from(outbox, "reset-confirm")
    link = ActivationToken.objects.get(purpose="reset")
    assert link.token_hash == activation.hash_token(token)
    assert datetime.timedelta(minutes=59) < link.expires_at - link.created_at <= datetime.timedelta(hours=1)

    assert client.get(url("reset-confirm", token)).status_code == 200
    new = "Un nouveau mot de passe solide"
    weak = client.post(url("reset-confirm", token), both("password1234"))
    assert weak.status_code == 400 and "too common" in weak.content.decode()
    done = client.post(url("reset-confirm", token), both(new))
    assert done.status_code == 302 and done.url == url("login")
    assert session_user(client) is None  # logs in normally next
    assert log_in(client.__class__(), number, PASSWORD).status_code == 400
    assert log_in(client, number, new).status_code == 302

    again = client.__class__().post(url("reset-confirm", token), both(PASSWORD))
    assert again.status_code == 410 and "already been used" in again.content.decode()
    notice = Email.objects.get(kind="account_password_changed")  # queued for delivery
    assert notice.to == activated_user.email and "has just been changed" in notice.body


def test_a_reset_link_expires_after_one_hour(client, activated_user, request_reset, outbox):
    request_reset(activated_user.email)
    token = token_from(outbox, "reset-confirm")
    with time_machine.travel(datetime.timedelta(minutes=61)):
        response = client.post(url("reset-confirm", token), both("Un nouveau mot de passe solide"))
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_reset_answers_the_same_whether_or_not_the_account_exists(activated_user, request_reset, outbox):
    known = request_reset(activated_user.email)
    unknown = request_reset("personne@example.org")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(outbox) == 1


def test_reset_for_a_student_who_has_not_activated_sends_the_activation_link(
    registered_user, request_reset, outbox
):
    request_reset(registered_user.student.student_number)
    assert outbox[-1].to == ["chloe.lefevre@example.org"]
    assert token_from(outbox, "activate")


def test_reset_requests_are_limited(activated_user, request_reset, outbox, settings):
    for _ in range(7):
        assert request_reset(activated_user.email).status_code == 302
    assert len(outbox) == 5  # 5 links an hour per account
    settings.MATRICULE_BACKOFFS = {"reset_address": (2, 5, 120, 20)}
    Throttle.objects.filter(scope="reset_address").delete()
    for name in "abc":
        assert request_reset(f"{name}@example.org", address="192.0.2.1").status_code == 302
    slowed = request_reset("d@example.org", address="192.0.2.1")
    assert slowed.status_code == 429 and 0 < int(slowed["Retry-After"]) <= 120


# --- Account page and second factor --------------------------------------------------------------


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
