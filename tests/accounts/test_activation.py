"""Student account activation: a single-use, 48-hour link; a checked password; a confirmed email."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from django.utils import translation

from matricule.accounts import activation
from matricule.accounts.admission_login import create_link, user_for_candidate
from matricule.accounts.models import AccountSecurity, ActivationToken, LoginLink
from matricule.notifications.models import Email
from tests.payments.conftest import submitted_registration

PASSWORD = "Trois chats sur le toit 42"  # noqa: S105


def both(password, again=None):
    """The set-password form's data: the password, and the same again (or `again`)."""
    return {"new_password1": password, "new_password2": password if again is None else again}


def url(name, *args, language="en"):
    """Pages in English, so that the assertions read the messages' source text."""
    with translation.override(language):
        return reverse(f"student-account:{name}", args=args)


def token_from(outbox, name="activate") -> str:
    # The link is in the language of the page that asked for it.
    prefixes = []
    for language in ("fr", "en"):
        with translation.override(language):
            prefixes.append(re.escape(reverse(f"student-account:{name}", args=["TOKEN"]).split("TOKEN")[0]))
    match = re.search("(?:" + "|".join(prefixes) + r")([A-Za-z0-9_-]{43})/", outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


@pytest.fixture
def registered_user(demo, demo_candidates):
    """Chloé, registered (grant holder: nothing to pay), who has not activated her account."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year, grant="crous")
    assert registration.state == "registered"
    user = registration.student.user
    assert not user.has_usable_password()
    return user


@pytest.fixture
def activated_user(registered_user):
    token = activation.create_token(registered_user, "activate", "chloe.lefevre@example.org")
    return activation.activate_account(token, PASSWORD)


@pytest.fixture
def send(django_capture_on_commit_callbacks, immediate_tasks, outbox):
    """Send the activation link as the registration flow does; returns the token emailed."""

    def sender(user):
        with django_capture_on_commit_callbacks(execute=True):
            assert activation.send_activation_link(user) is True
        return token_from(outbox)

    return sender


def test_registered_student_gets_a_single_use_activation_link(registered_user, send, outbox):
    registration = registered_user.student.registrations.get()
    registration.cleaned["contacts"]["email"] = "chloe.new@example.org"
    registration.save(update_fields=["cleaned"])

    token = send(registered_user)

    assert outbox[-1].to == ["chloe.new@example.org"]  # the address of the registration form
    assert len(token) == 43  # 256 random bits, URL-safe
    link = ActivationToken.objects.get()
    assert link.purpose == "activate" and link.email == "chloe.new@example.org"
    assert link.token_hash == activation.hash_token(token) and token not in link.token_hash
    assert datetime.timedelta(hours=47) < link.expires_at - link.created_at <= datetime.timedelta(hours=48)
    assert token not in Email.objects.get(kind="account_activate").body  # the log keeps no usable link


def test_no_activation_link_before_the_registration_is_registered(
    demo, demo_candidates, outbox, immediate_tasks, django_capture_on_commit_callbacks
):
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    assert registration.state == "awaiting_payment"
    with django_capture_on_commit_callbacks(execute=True):
        assert activation.send_activation_link(registration.student.user) is False
    admitted_only = user_for_candidate(demo_candidates["complementary"])
    assert activation.send_activation_link(admitted_only) is False
    assert outbox == [] and not ActivationToken.objects.exists()


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


def test_once_activated_the_admission_login_is_over(registered_user, demo_candidates):
    candidate = demo_candidates["accepted"]
    pending = create_link(candidate)
    assert not activation.has_activated_account(registered_user)
    token = activation.create_token(registered_user, "activate", registered_user.email)
    activation.activate_account(token, PASSWORD)
    assert activation.has_activated_account(registered_user)
    assert LoginLink.objects.get(token_hash=activation.hash_token(pending)).used_at is not None
    assert activation.send_activation_link(registered_user) is False  # nothing more to activate


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
