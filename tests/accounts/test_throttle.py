"""Rate-limit counters in the database: a sliding window, a lock at the limit, lifted by staff."""

import datetime

import pytest
from django.utils import timezone

from matricule.accounts import throttle
from matricule.accounts.models import Throttle

pytestmark = pytest.mark.django_db

RULE = throttle.Limit("staff_username", 3, datetime.timedelta(minutes=15), datetime.timedelta(hours=1))


def test_the_limit_of_a_scope_comes_from_the_settings(settings):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "staff_username": (4, 60, 600)}
    assert throttle.limit("staff_username") == throttle.Limit(
        "staff_username", 4, datetime.timedelta(seconds=60), datetime.timedelta(seconds=600)
    )


def test_the_key_is_locked_at_the_limit_for_the_cooling_off_period():
    now = timezone.now()
    assert throttle.hit("staff_username", "chloe", now=now, rule=RULE) is None
    assert throttle.hit("staff_username", "chloe", now=now, rule=RULE) is None
    assert throttle.locked_until("staff_username", "chloe", now=now) is None
    until = throttle.hit("staff_username", "chloe", now=now, rule=RULE)
    assert until == now + datetime.timedelta(hours=1)
    assert throttle.locked_until("staff_username", "chloe", now=now) == until
    assert throttle.locked_until("staff_username", "chloe", now=until) is None  # over
    assert throttle.locked_until("staff_username", "lea", now=now) is None  # another key
    assert throttle.locked_until("staff_address", "chloe", now=now) is None  # another scope


def test_events_older_than_the_window_are_forgotten():
    start = timezone.now()
    throttle.hit("staff_username", "chloe", now=start, rule=RULE)
    throttle.hit("staff_username", "chloe", now=start, rule=RULE)
    later = start + datetime.timedelta(minutes=16)
    assert throttle.hit("staff_username", "chloe", now=later, rule=RULE) is None
    row = Throttle.objects.get(scope="staff_username", key="chloe")
    assert (row.count, row.window_started_at, row.last_event_at) == (1, later, later)


def test_lifting_a_lock_starts_the_count_again():
    now = timezone.now()
    for _ in range(3):
        throttle.hit("staff_username", "chloe", now=now, rule=RULE)
    row = Throttle.objects.get(scope="staff_username", key="chloe")
    throttle.lift(row)
    row.refresh_from_db()
    assert (row.count, row.locked_until) == (0, None)
    assert throttle.locked_until("staff_username", "chloe") is None
    assert throttle.hit("staff_username", "chloe", rule=RULE) is None
