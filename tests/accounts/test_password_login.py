"""The students' password login and reset, as services (their pages: test_student_views)."""

import datetime

import time_machine
from django.utils import timezone

from matricule.accounts import activation, password_login
from matricule.accounts.models import ActivationToken, Throttle
from matricule.audit.models import Event
from matricule.notifications.models import Email
from tests.accounts.conftest import PASSWORD

WRONG = "Pas le bon mot de passe 1"  # noqa: S105


def test_identifiers_are_counted_whatever_their_case_and_spaces():
    assert password_login.identifier_key("  Chloe.Lefevre@EXAMPLE.org ") == "chloe.lefevre@example.org"
    assert password_login.identifier_key("26 000 001") == "26 000 001"


def test_only_activated_accounts_are_found(registered_user, django_user_model):
    number = registered_user.student.student_number
    assert password_login.find_accounts(number) == []  # registered, not activated yet
    token = activation.create_token(registered_user, "activate", "chloe.lefevre@example.org")
    activation.activate_account(token, PASSWORD)
    assert password_login.find_accounts(number.lower()) == [registered_user]
    assert password_login.find_accounts("CHLOE.LEFEVRE@example.org") == [registered_user]
    assert password_login.find_accounts("   ") == []
    django_user_model.objects.filter(pk=registered_user.pk).update(is_active=False)
    assert password_login.find_accounts(number) == []


def test_the_right_password_gives_the_user_and_clears_the_failures(activated_user):
    email = activated_user.email
    failed = password_login.authenticate(identifier=email, password=WRONG, address="192.0.2.1")
    assert failed.user is None and not failed.slowed
    assert Throttle.objects.get(scope="password_identifier").count == 1
    outcome = password_login.authenticate(identifier=email, password=PASSWORD, address="192.0.2.1")
    assert outcome.user == activated_user and not outcome.slowed
    assert Throttle.objects.get(scope="password_identifier").count == 0
    assert Event.objects.filter(action="accounts.password_login.password_ok", actor=activated_user).exists()


def log_in(identifier, password=WRONG, address="192.0.2.1", devices=()):
    return password_login.authenticate(
        identifier=identifier, password=password, address=address, devices=devices
    )


def test_failures_slow_the_identifier_down_and_the_password_is_not_checked_meanwhile(activated_user):
    number = activated_user.student.student_number
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        outcomes = [log_in(number, address=f"192.0.2.{n}") for n in range(11)]
        assert not any(outcome.slowed for outcome in outcomes)  # each one was checked
        slowed = log_in(number, PASSWORD, address="198.51.100.200")  # even the right password
    assert slowed.slowed and slowed.user is None
    assert slowed.retry_at == start + datetime.timedelta(seconds=5)
    assert Event.objects.filter(action="accounts.password_login.failed").count() == 11
    assert not Event.objects.filter(action="accounts.password_login.password_ok").exists()
    with time_machine.travel(start + datetime.timedelta(seconds=5), tick=False):
        assert log_in(number, PASSWORD).user == activated_user  # never for longer than the delay
    assert Throttle.objects.get(scope="password_identifier").count == 0


def test_unknown_identifiers_are_slowed_down_the_same_way(demo):
    for n in range(11):
        assert not log_in("99999999", address=f"192.0.2.{n}").slowed
    assert log_in("99999999", address="198.51.100.1").slowed
    # From a single address, the (identifier, address) pair is slowed down sooner.
    for _ in range(6):
        assert not log_in("88888888").slowed
    assert log_in("88888888").slowed
    assert not log_in("88888888", address="198.51.100.1").slowed


def test_a_device_that_logged_in_before_is_not_slowed_by_strangers(activated_user, django_user_model):
    number = activated_user.student.student_number
    for n in range(50):
        log_in(number, address=f"192.0.2.{n}")
    assert log_in(number, PASSWORD).slowed
    mine = [(activated_user.pk, "my-nonce")]
    assert log_in(number, PASSWORD, devices=mine).user == activated_user
    # A cookie naming someone else does not help.
    other = django_user_model.objects.create_user("lea")
    assert log_in(number, PASSWORD, devices=[(other.pk, "her-nonce")]).slowed
    # Failures on the device count on the device alone.
    for _ in range(5):
        assert not log_in(number, devices=mine).slowed
    assert not log_in(number, devices=mine).slowed  # the 6th failure starts the device's delay
    assert log_in(number, PASSWORD, devices=mine).slowed
    assert Throttle.objects.get(scope="device", key="my-nonce").count == 6


def test_the_student_is_told_by_email_once_failures_pile_up(activated_user):
    for n in range(20):
        log_in(activated_user.email, address=f"192.0.2.{n}")
    emails = Email.objects.filter(kind="account_sign_in_failures")
    assert emails.count() == 1 and emails.get().to == activated_user.email
    assert Event.objects.filter(action="accounts.sign_in_failures_notified").count() == 1


def test_a_password_reset_lifts_the_delay_of_the_accounts_identifiers(activated_user):
    for n in range(30):
        log_in(activated_user.email, address=f"192.0.2.{n}")
    assert log_in(activated_user.email, PASSWORD).slowed
    token = activation.create_token(activated_user, "reset", activated_user.email)
    activation.reset_password(token, "Un tout nouveau mot de passe 7")
    assert log_in(activated_user.email, "Un tout nouveau mot de passe 7").user == activated_user


def test_a_reset_for_nobody_sends_nothing_and_says_nothing(demo, outbox):
    answer = password_login.request_password_reset(identifier="personne@example.org", address="192.0.2.1")
    assert not answer.slowed
    assert outbox == [] and not ActivationToken.objects.exists()
    assert Event.objects.filter(action="accounts.password_reset.no_link").exists()


def test_reset_requests_from_one_address_are_slowed_down_briefly_never_locked(demo, settings):
    """A school's students behind one address: past the free requests, a short delay that is
    forgotten request by request; never an hour-long lock."""
    import time_machine

    settings.MATRICULE_BACKOFFS = {"reset_address": (2, 5, 120, 20)}
    with time_machine.travel("2026-09-01 08:00:00Z", tick=False) as clock:
        answers = [
            password_login.request_password_reset(identifier=f"{n}@example.org", address="192.0.2.1")
            for n in range(4)
        ]
        # Two free, the third starts a delay, the fourth meets it.
        assert [answer.slowed for answer in answers] == [False, False, False, True]
        wait = (answers[3].retry_at - timezone.now()).total_seconds()
        assert 0 < wait <= 120
        clock.shift(wait + 1)
        assert not password_login.request_password_reset(
            identifier="x@example.org", address="192.0.2.1"
        ).slowed
        assert not password_login.request_password_reset(
            identifier="y@example.org", address="192.0.2.2"
        ).slowed
