"""The student login's rate limits: their defaults, keys cut to the column's size, and the count of
account emails."""

import datetime

import pytest

from matricule.accounts import limits
from matricule.accounts.models import Throttle
from matricule.audit.models import Event


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


@pytest.mark.django_db
def test_long_keys_are_counted_under_their_first_128_characters(settings):
    settings.MATRICULE_THROTTLES = {}
    key = "x" * 200
    for _ in range(5):
        limits.hit(limits.SCOPE_IDENTIFIER, key)
    assert Throttle.objects.get(scope=limits.SCOPE_IDENTIFIER).key == "x" * 128
    assert limits.locked_until(limits.SCOPE_IDENTIFIER, key)
    assert limits.locked_until(limits.SCOPE_IDENTIFIER, "x" * 128 + "y")  # the same key


@pytest.mark.django_db
def test_reset_counter_clears_the_failures_of_a_key(settings):
    settings.MATRICULE_THROTTLES = {}
    for _ in range(5):
        limits.hit(limits.SCOPE_IDENTIFIER, "26000001")
    limits.reset_counter(limits.SCOPE_IDENTIFIER, "26000001")
    assert limits.locked_until(limits.SCOPE_IDENTIFIER, "26000001") is None
    assert Throttle.objects.get(scope=limits.SCOPE_IDENTIFIER).count == 0
    limits.reset_counter(limits.SCOPE_IDENTIFIER, "unknown")  # nothing to reset
    assert Throttle.objects.count() == 1


def test_an_account_gets_five_emails_an_hour(django_user_model, settings):
    settings.MATRICULE_THROTTLES = {}
    user = django_user_model.objects.create_user("chloe")
    assert [limits.link_allowed(user) for _ in range(6)] == [True] * 5 + [False]
    assert Event.objects.filter(action="accounts.account.link_limited", object_id=str(user.pk)).count() == 1
    other = django_user_model.objects.create_user("lea")
    assert limits.link_allowed(other)
