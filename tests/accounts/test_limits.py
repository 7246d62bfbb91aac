"""The sign-ins' rate limits: their defaults, what each attempt counts where, the device budget,
failures forgotten after a reset, and the count of account emails."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from matricule.accounts import limits, throttle
from matricule.accounts.models import Throttle
from matricule.audit.models import Event

pytestmark = pytest.mark.django_db


def test_a_scope_the_settings_do_not_name_has_its_default_limit(settings):
    settings.MATRICULE_THROTTLES = {}
    assert limits.rule(limits.SCOPE_ACCOUNT_LINK).max_events == 5
    assert limits.rule(limits.SCOPE_ACCOUNT_LINK).window == datetime.timedelta(hours=1)
    settings.MATRICULE_THROTTLES = {limits.SCOPE_ACCOUNT_LINK: (2, 60, 120)}
    rule = limits.rule(limits.SCOPE_ACCOUNT_LINK)
    assert (rule.max_events, rule.window, rule.cooldown) == (
        2,
        datetime.timedelta(seconds=60),
        datetime.timedelta(seconds=120),
    )


def test_delays_have_defaults_the_settings_may_change(settings):
    assert limits.backoff(limits.SCOPE_IDENTIFIER) == throttle.Backoff("password_identifier", 10, 5, 900, 900)
    settings.MATRICULE_BACKOFFS = {limits.SCOPE_IDENTIFIER: (2, 1, 30, 60)}
    assert limits.backoff(limits.SCOPE_IDENTIFIER) == throttle.Backoff("password_identifier", 2, 1, 30, 60)
    for scope in limits.DEFAULT_BACKOFFS:  # every default: a delay that grows to its cap
        backoff = limits.backoff(scope)
        assert backoff.delay(backoff.free) == 0 < backoff.delay(backoff.free + 1) < backoff.cap
        assert backoff.delay(backoff.ceiling) == backoff.cap


def test_long_keys_are_counted_under_their_first_128_characters():
    attempt = limits.SignIn(limits.STUDENTS, "x" * 200, "192.0.2.1")
    attempt.failed()
    assert Throttle.objects.get(scope=limits.SCOPE_IDENTIFIER).key == "x" * 128


# --- Password sign-ins ---------------------------------------------------------------------------


def fail(n, identifier="26000001", address="192.0.2.1", device=None, scopes=limits.STUDENTS):
    for _ in range(n):
        charge = limits.SignIn(scopes, identifier, address, device).failed()
    return charge


def test_failures_count_per_identifier_and_address_and_per_identifier():
    fail(3, address="192.0.2.1")
    fail(2, address="198.51.100.7")
    counts = dict(Throttle.objects.values_list("key", "count"))
    assert counts == {"26000001@192.0.2.1": 3, "26000001@198.51.100.7": 2, "26000001": 5}
    assert set(Throttle.objects.values_list("scope", flat=True)) == {"password_pair", "password_identifier"}
    fail(1, identifier="agent.chartres", scopes=limits.STAFF)
    assert Throttle.objects.filter(scope__in=["staff_pair", "staff_username"]).count() == 2


def test_the_pair_slows_one_address_down_before_the_identifier_does():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(6, address="192.0.2.1")  # the pair's 6th failure: 5 s
        here = limits.SignIn(limits.STUDENTS, "26000001", "192.0.2.1")
        elsewhere = limits.SignIn(limits.STUDENTS, "26000001", "198.51.100.7")
        assert here.retry_at() == start + datetime.timedelta(seconds=5)
        assert elsewhere.retry_at() is None  # the identifier has 4 more free failures
        fail(5, address="198.51.100.7")  # the identifier's 11th
        assert elsewhere.retry_at() == start + datetime.timedelta(seconds=5)


def test_no_delay_is_ever_kept_on_an_address_alone():
    for n in range(40):
        fail(1, identifier=f"2600{n:04d}", address="192.0.2.1")
    assert limits.SignIn(limits.STUDENTS, "26009999", "192.0.2.1").retry_at() is None


def test_a_device_that_signed_in_before_counts_its_own_failures_only():
    fail(30)  # strangers: the identifier is slowed down
    assert limits.SignIn(limits.STUDENTS, "26000001", "192.0.2.1").retry_at() is not None
    device = limits.SignIn(limits.STUDENTS, "26000001", "192.0.2.1", device="nonce-1")
    assert device.retry_at() is None
    assert fail(5, device="nonce-1").until is None  # its own small budget
    assert fail(1, device="nonce-1").until is not None
    assert limits.SignIn(limits.STUDENTS, "26000001", "192.0.2.1", device="nonce-1").retry_at()
    assert limits.SignIn(limits.STUDENTS, "26000001", "192.0.2.1", device="nonce-2").retry_at() is None
    assert Throttle.objects.get(scope="device").key == "nonce-1"
    assert (
        Throttle.objects.get(scope="password_identifier").count
        == limits.backoff(limits.SCOPE_IDENTIFIER).ceiling
    )


def test_success_clears_the_counters_of_the_attempt_only():
    fail(4)
    fail(2, device="nonce-1")
    attempt = limits.SignIn(limits.STUDENTS, "26000001", "192.0.2.1")
    assert attempt.retry_at() is None
    attempt.succeeded()
    counts = dict(Throttle.objects.values_list("scope", "count"))
    assert counts == {"password_pair": 0, "password_identifier": 0, "device": 2}
    limits.SignIn(limits.STUDENTS, "lea", "192.0.2.1").succeeded()  # nothing to clear, no row made
    assert Throttle.objects.count() == 3


def test_forgetting_failures_after_a_reset_covers_the_email_and_the_student_number(activated_user):
    number = activated_user.student.student_number
    for identifier in (number, activated_user.email.upper(), "someone.else@example.org"):
        fail(30, identifier=limits.identifier_key(identifier))
    limits.forget_failures(activated_user)
    counts = dict(Throttle.objects.filter(scope="password_identifier").values_list("key", "count"))
    ceiling = limits.backoff(limits.SCOPE_IDENTIFIER).ceiling
    assert counts == {
        number.casefold(): 0,
        activated_user.email.casefold(): 0,
        "someone.else@example.org": ceiling,
    }


# --- Connection links by personal details ---------------------------------------------------------


def test_every_attempt_counts_for_the_number_failures_for_the_pair_and_the_address():
    limits.DetailsAttempt("240012345", "192.0.2.1").counted(matched=True)
    assert dict(Throttle.objects.values_list("scope", "count")) == {"login_number": 1}
    limits.DetailsAttempt("240012345", "192.0.2.1").counted(matched=False)
    assert dict(Throttle.objects.values_list("scope", "count")) == {
        "login_number": 2,
        "login_pair": 1,
        "login_address": 1,
    }
    assert Throttle.objects.get(scope="login_pair").key == "240012345@192.0.2.1"


def test_a_schools_right_details_never_slow_its_address_down():
    for n in range(300):
        limits.DetailsAttempt(f"24{n:07d}", "192.0.2.1").counted(matched=True)
    assert not Throttle.objects.filter(scope="login_address").exists()
    assert limits.DetailsAttempt("249999999", "192.0.2.1").retry_at() is None


def test_link_emails_per_account_are_limited(django_user_model, settings):
    settings.MATRICULE_THROTTLES = {}
    user = django_user_model.objects.create_user("chloe")
    assert [limits.link_allowed(user) for _ in range(6)] == [True] * 5 + [False]
    assert Event.objects.filter(action="accounts.account.link_limited", object_id=str(user.pk)).count() == 1
    other = django_user_model.objects.create_user("lea")
    assert limits.link_allowed(other)
