"""Rate-limit counters in the database: locks (a window, a lock at the limit, lifted by staff) and
progressive delays (free failures, a delay doubling up to a cap, failures forgotten as time passes)."""

import datetime

import pytest
import time_machine
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


# --- Progressive delays --------------------------------------------------------------------------

BACKOFF = throttle.Backoff("staff_username", free=3, base=5, cap=60, decay=600)


def test_the_delay_starts_after_the_free_failures_doubles_and_is_capped():
    assert [BACKOFF.delay(n) for n in range(1, 10)] == [0, 0, 0, 5, 10, 20, 40, 60, 60]
    assert BACKOFF.ceiling == 8  # the count at which the cap is reached: never stored higher
    assert BACKOFF.delay(10_000) == 60


def test_each_failure_past_the_free_ones_makes_the_key_wait_longer_up_to_the_cap():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        charges = [throttle.charge(BACKOFF, "chloe") for _ in range(12)]
    assert [c.count for c in charges] == [1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8]
    waits = [(c.until - start).total_seconds() if c.until else 0 for c in charges]
    assert waits == [0, 0, 0, 5, 10, 20, 40, 60, 60, 60, 60, 60]
    rows = throttle.counters([("staff_username", "chloe"), ("staff_username", "lea")])
    assert list(rows) == [("staff_username", "chloe")]
    assert throttle.waiting_until(rows.values(), now=start) == start + datetime.timedelta(seconds=60)
    assert throttle.waiting_until(rows.values(), now=start + datetime.timedelta(seconds=60)) is None


def test_failures_are_forgotten_one_per_decay_period_and_the_delay_with_them():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(6):
            throttle.charge(BACKOFF, "chloe")  # 6 failures: a 20 s delay
    backoff_row = Throttle.objects.get(scope="staff_username", key="chloe")
    assert BACKOFF.level(backoff_row, start) == (6, start)
    # 25 minutes later, two failures are forgotten (one every 10 minutes), and the next failure
    # is the 5th: a 10 s delay, not 40 s.
    later = start + datetime.timedelta(minutes=25)
    assert BACKOFF.level(backoff_row, later) == (4, start + datetime.timedelta(minutes=20))
    with time_machine.travel(later, tick=False):
        charge = throttle.charge(BACKOFF, "chloe")
    assert (charge.count, charge.until) == (5, later + datetime.timedelta(seconds=10))
    # The part of a period already gone still counts: 5 minutes on, one more is forgotten.
    assert BACKOFF.level(Throttle.objects.get(key="chloe"), later + datetime.timedelta(minutes=5))[0] == 4
    # Left alone long enough, the key is back to no delay at all.
    quiet = later + datetime.timedelta(hours=1)
    assert BACKOFF.level(Throttle.objects.get(key="chloe"), quiet) == (0, quiet)
    with time_machine.travel(quiet, tick=False):
        assert throttle.charge(BACKOFF, "chloe") == throttle.Charge(1, None)


def test_failures_slower_than_the_decay_never_add_up():
    start = timezone.now()
    for n in range(50):
        with time_machine.travel(start + datetime.timedelta(seconds=601 * n), tick=False):
            charge = throttle.charge(BACKOFF, "school")
        assert charge == throttle.Charge(1, None)


def test_a_flood_leaves_the_key_slowed_for_a_bounded_time():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(1000):
            throttle.charge(BACKOFF, "flood")
    row = Throttle.objects.get(key="flood")
    assert row.count == BACKOFF.ceiling
    # ceiling × decay later, nothing is left of it.
    assert BACKOFF.level(row, start + datetime.timedelta(seconds=BACKOFF.ceiling * BACKOFF.decay))[0] == 0


def test_clear_forgets_the_failures_of_the_keys_given():
    for key in ("chloe", "lea"):
        for _ in range(5):
            throttle.charge(BACKOFF, key)
    throttle.clear([("staff_username", "chloe"), ("staff_username", "unknown")])
    counts = dict(Throttle.objects.values_list("key", "count"))
    assert counts == {"chloe": 0, "lea": 5}
    assert Throttle.objects.get(key="chloe").locked_until is None
    throttle.clear([])  # nothing to do


def test_long_keys_are_cut_to_the_columns_size():
    key = "x" * 200
    throttle.charge(BACKOFF, key)
    assert Throttle.objects.get().key == "x" * 128
    assert throttle.counters([("staff_username", key)])


def test_once_is_true_once_per_period():
    start = timezone.now()
    every = datetime.timedelta(hours=24)
    with time_machine.travel(start, tick=False):
        assert throttle.once("sign_in_notice", "7", every)
        assert not throttle.once("sign_in_notice", "7", every)
        assert throttle.once("sign_in_notice", "8", every)  # another key
    with time_machine.travel(start + every, tick=False):
        assert throttle.once("sign_in_notice", "7", every)


def test_seconds_until_rounds_up_and_is_never_zero():
    now = timezone.now()
    assert throttle.seconds_until(now + datetime.timedelta(seconds=4.2), now=now) == 5
    assert throttle.seconds_until(now, now=now) == 1


# --- Statements ----------------------------------------------------------------------------------


def statements(queries) -> list[str]:
    return [query["sql"].split(" ", 1)[0].upper() for query in queries.captured_queries]


def test_an_event_is_a_locked_read_and_one_write_without_savepoints(django_assert_num_queries):
    """The admission login counts two events on every request: each is two statements, in the
    caller's transaction, whether the key is new (an insert) or known (an update)."""
    from django.db import transaction

    now = timezone.now()
    with transaction.atomic():
        with django_assert_num_queries(2) as first:
            throttle.hit("staff_username", "chloe", now=now, rule=RULE)
        with django_assert_num_queries(2) as second:
            throttle.hit("staff_username", "chloe", now=now, rule=RULE)
        with django_assert_num_queries(2) as failure:
            throttle.charge(BACKOFF, "another key")
    assert statements(first) == ["SELECT", "INSERT"]
    assert statements(second) == ["SELECT", "UPDATE"]
    assert statements(failure) == ["SELECT", "INSERT"]
    row = Throttle.objects.get(scope="staff_username", key="chloe")
    assert (row.count, row.window_started_at, row.last_event_at) == (2, now, now)


def test_a_row_created_meanwhile_by_another_request_takes_the_event(monkeypatch):
    """Two requests count the first event of a key at once: the one whose insert finds the row
    already there makes its change on that row, instead of failing or losing its event."""
    now = timezone.now()
    insert = throttle._insert_new

    def concurrent_first(row):
        Throttle.objects.create(
            scope=row.scope, key=row.key, count=1, window_started_at=now, last_event_at=now
        )
        return insert(row)

    monkeypatch.setattr(throttle, "_insert_new", concurrent_first)
    assert throttle.hit("staff_username", "chloe", now=now, rule=RULE) is None
    until = throttle.hit(
        "staff_username", "lea", now=now, rule=throttle.Limit("staff_username", 2, RULE.window, RULE.cooldown)
    )
    assert until == now + RULE.cooldown  # the other request's event and this one: the limit of 2
    rows = {row.key: row for row in Throttle.objects.all()}
    assert (rows["chloe"].count, rows["lea"].count) == (2, 2)
    assert rows["lea"].locked_until == until
