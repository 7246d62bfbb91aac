"""Login by student number or email + password, its rate limits, and password reset by email."""
# ruff: noqa: F811 - the fixtures imported from test_activation are used as test arguments

import datetime
import re

import pytest
import time_machine

from matricule.accounts import activation
from matricule.accounts.models import ActivationToken, Throttle
from matricule.notifications.models import Email
from tests.accounts.test_activation import (  # noqa: F401 - fixtures
    PASSWORD,
    activated_user,
    both,
    immediate_tasks,
    registered_user,
    send,
    token_from,
    url,
)

WRONG = "Pas le bon mot de passe 1"  # noqa: S105


def log_in(client, identifier, password, address="203.0.113.7", **extra):
    return client.post(
        url("login"), {"identifier": identifier, "password": password, **extra}, REMOTE_ADDR=address
    )


def session_user(client):
    """The id of the logged-in user, as a string, or None."""
    return client.session.get("_auth_user_id")


def _normalise(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.fixture
def request_reset(client, outbox, immediate_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    def ask(identifier, address="203.0.113.7"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url("reset"), {"identifier": identifier}, REMOTE_ADDR=address)

    return ask


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


@pytest.mark.parametrize("configured", [False, True])
def test_the_sixth_attempt_after_five_failures_is_refused(client, activated_user, settings, configured):
    if configured:  # the scopes as the settings will name them
        settings.MATRICULE_THROTTLES = {
            **settings.MATRICULE_THROTTLES,
            "password_identifier": (5, 900, 900),
            "password_address": (100, 900, 900),
        }
    number = activated_user.student.student_number
    for attempt in range(4):
        assert log_in(client, number, WRONG, address=f"192.0.2.{attempt}").status_code == 400
    fifth = log_in(client, number, WRONG, address="192.0.2.99")
    assert fifth.status_code == 429 and "Too many attempts" in fifth.content.decode()
    sixth = log_in(client, number, PASSWORD, address="198.51.100.200")  # even the right password
    assert sixth.status_code == 429
    assert session_user(client) is None
    assert Throttle.objects.get(scope="password_identifier", key=number.casefold()).locked_until
    assert log_in(client, activated_user.email, PASSWORD).status_code == 302  # the email is another key

    with time_machine.travel(datetime.timedelta(minutes=16)):
        assert log_in(client.__class__(), number, PASSWORD).status_code == 302


def test_unknown_identifiers_are_locked_the_same_way(client, demo):
    for _ in range(5):
        response = log_in(client, "99999999", WRONG)
    assert response.status_code == 429


def test_many_failures_from_one_address_lock_that_address(client, activated_user, settings):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "password_address": (3, 900, 900)}
    for identifier in ("11111111", "22222222"):
        assert log_in(client, identifier, WRONG).status_code == 400
    assert log_in(client, "33333333", WRONG).status_code == 429
    assert log_in(client, activated_user.email, PASSWORD).status_code == 429
    assert log_in(client, activated_user.email, PASSWORD, address="198.51.100.1").status_code == 302


def test_a_success_clears_the_failures_of_the_identifier(client, activated_user):
    for _ in range(4):
        log_in(client, activated_user.email, WRONG)
    assert log_in(client, activated_user.email, PASSWORD).status_code == 302
    other = client.__class__()
    for _ in range(4):
        assert log_in(other, activated_user.email, WRONG).status_code == 400


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
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "reset_address": (2, 3600, 3600)}
    Throttle.objects.filter(scope="reset_address").delete()
    request_reset("a@example.org", address="192.0.2.1")
    request_reset("b@example.org", address="192.0.2.1")
    assert request_reset("c@example.org", address="192.0.2.1").status_code == 429
