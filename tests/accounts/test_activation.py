"""Student account activation: a single-use, 48-hour link; a checked password; a confirmed email;
and the notices about the account (repeated sign-in failures)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from matricule.accounts import activation, limits
from matricule.accounts.admission_login import create_link, user_for_candidate
from matricule.accounts.models import ActivationToken, LoginLink
from matricule.audit.models import Event
from matricule.notifications.models import Email
from tests.accounts.conftest import PASSWORD
from tests.payments.conftest import submitted_registration


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


def test_once_activated_the_admission_login_is_over(registered_user, demo_candidates):
    candidate = demo_candidates["accepted"]
    pending = create_link(candidate)
    assert not activation.has_activated_account(registered_user)
    token = activation.create_token(registered_user, "activate", registered_user.email)
    activation.activate_account(token, PASSWORD)
    assert activation.has_activated_account(registered_user)
    assert LoginLink.objects.get(token_hash=activation.hash_token(pending)).used_at is not None
    assert activation.send_activation_link(registered_user) is False  # nothing more to activate


# --- Emails about repeated sign-in failures -------------------------------------------------------


@pytest.mark.django_db
def test_the_account_holder_is_told_of_repeated_failures_once_a_day(django_user_model):
    user = django_user_model.objects.create_user("chloe", email="chloe@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        charges = [
            limits.SignIn(limits.STUDENTS, "chloe@example.org", "192.0.2.1").failed() for _ in range(8)
        ]
        told = [
            limits.should_notify(charge) and activation.notify_failures(user, "sign_in_failures")
            for charge in charges
        ]
    assert told == [False] * 4 + [True] + [False] * 3
    email = Email.objects.get(kind="account_sign_in_failures")
    assert email.to == "chloe@example.org" and "wrong password" in email.body
    assert "trying to guess your password" in email.body
    assert (
        Event.objects.filter(action="accounts.sign_in_failures_notified", object_id=str(user.pk)).count() == 1
    )
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        assert activation.notify_failures(user, "sign_in_failures")
    assert Email.objects.filter(kind="account_sign_in_failures").count() == 2
    nobody = django_user_model.objects.create_user("lea")  # no email address: nothing to send
    assert not activation.notify_failures(nobody, "sign_in_failures")


@pytest.mark.django_db
def test_the_staff_email_says_to_tell_an_administrator(django_user_model):
    user = django_user_model.objects.create_user("agent", email="agent@example.org")
    assert activation.notify_failures(user, "staff_sign_in_failures")
    body = Email.objects.get(kind="account_staff_sign_in_failures").body
    assert "tell your Matricule administrator" in body
    assert "guess your password" not in body  # the students' advice is not theirs
