"""Rate limits on credential checks, kept in the database so that staff can see and lift them
(several web nodes share them; nothing is kept in a process).

Two kinds of counter, one `Throttle` row per scope and key:

- A lock (`hit`, `locked_until`): events counted in a window; at the limit the key is locked
  for a cooling-off period. Used for emails sent per account, wrong second-factor codes (the
  password is known by then), reset requests and certificate checks per address, and the
  re-registration's connection link.
- A progressive delay (`Backoff`): the sign-in forms. The first few failures cost nothing; each
  one after makes the key wait, twice as long at each further failure, up to a cap; failures are
  forgotten one at a time as time passes. A delay slows guessing down without ever shutting
  the rightful user out for long, and the sign-ins decide what a delay stops (accounts.limits).
"""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from matricule.audit.context import client_address  # noqa: F401 (the views find it here)

from .models import Throttle

KEY_LENGTH = 128  # Throttle.key's max_length


@dataclass(frozen=True)
class Limit:
    scope: str
    max_events: int
    window: datetime.timedelta
    cooldown: datetime.timedelta


def limit(scope: str) -> Limit:
    """The limit of a scope, from settings.MATRICULE_THROTTLES (count, window s, cooldown s)."""
    count, window, cooldown = settings.MATRICULE_THROTTLES[scope]
    return Limit(scope, count, datetime.timedelta(seconds=window), datetime.timedelta(seconds=cooldown))


def locked_until(scope: str, key: str, now: datetime.datetime | None = None):
    """When the key's lock ends, or None if it is not locked."""
    now = now or timezone.now()
    until = (
        Throttle.objects.filter(scope=scope, key=key, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


FIELDS = ("count", "window_started_at", "last_event_at", "locked_until")


def _change(scope: str, key: str, now: datetime.datetime, change):
    """Apply `change(row)` to the key's row, locked until the end of the caller's transaction,
    and return what it returns. Two statements: the locked read, then the update, or for a key
    seen for the first time the insert of the changed row. No savepoint: the insert cannot fail
    on a concurrent one (ON CONFLICT DO NOTHING); if one won, the change is made on its row."""
    with transaction.atomic(savepoint=False):
        row = Throttle.objects.select_for_update().filter(scope=scope, key=key).first()
        if row is None:
            row = Throttle(scope=scope, key=key, count=0, window_started_at=now)
            result = change(row)
            if _insert_new(row):
                return result
            row = Throttle.objects.select_for_update().get(scope=scope, key=key)  # created meanwhile
        result = change(row)
        row.save(update_fields=FIELDS)
        return result


def _insert_new(row: Throttle) -> bool:
    """Insert the row unless its (scope, key) exists: True if it was inserted (its id set)."""
    connection = transaction.get_connection()
    meta = Throttle._meta
    fields = [meta.get_field(name) for name in ("scope", "key", *FIELDS)]
    quote = connection.ops.quote_name
    # Names from the model, values as parameters. Django has no insert-or-nothing that tells which.
    sql = "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}, {}) DO NOTHING RETURNING {}".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
        quote(meta.get_field("scope").column),
        quote(meta.get_field("key").column),
        quote(meta.pk.column),
    )
    params = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    return True


def hit(scope: str, key: str, now: datetime.datetime | None = None, rule: Limit | None = None):
    """Count one event for the key; returns when its lock ends if this event reached the limit.
    The limit is the scope's setting unless the caller gives its own."""
    rule = rule or limit(scope)
    now = now or timezone.now()

    def change(row):
        if row.window_started_at + rule.window <= now:
            row.count, row.window_started_at = 0, now
        row.count += 1
        row.last_event_at = now
        if row.count >= rule.max_events:
            row.locked_until = now + rule.cooldown
        return row.locked_until if row.locked_until and row.locked_until > now else None

    return _change(scope, key, now, change)


def lift(throttle: Throttle) -> None:
    """Staff lift a lock (or a delay): the counter starts again from zero."""
    throttle.count = 0
    throttle.locked_until = None
    throttle.window_started_at = timezone.now()
    throttle.save(update_fields=["count", "locked_until", "window_started_at"])


# --- Progressive delays --------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """A progressive delay: the first `free` failures cost nothing; the next one makes the key
    wait `base` seconds, each further one twice as long, never more than `cap` seconds. One
    failure is forgotten every `decay` seconds (a leaky bucket), so that failures spread out
    slower than that never add up, and a key left alone comes back to no delay at all."""

    scope: str
    free: int
    base: int
    cap: int
    decay: int

    def delay(self, failures: int) -> int:
        """Seconds to wait after the key's `failures`-th failure."""
        if failures <= self.free:
            return 0
        return min(self.cap, self.base * 2 ** min(failures - self.free - 1, 32))

    @property
    def ceiling(self) -> int:
        """The count at which the delay reaches the cap: failures past it are not stored, so
        that a flood does not leave the key slowed for days after it stops."""
        return self.free + 1 + max(0, math.ceil(math.log2(self.cap / self.base)))

    def level(self, row: Throttle | None, now: datetime.datetime) -> tuple[int, datetime.datetime]:
        """The row's count once the failures due to be forgotten by `now` are, and the time from
        which the next one will be."""
        if row is None or not row.count:
            return 0, now
        since = row.window_started_at
        forgotten = max(0, int((now - since).total_seconds() // self.decay))
        if forgotten >= row.count:
            return 0, now
        return row.count - forgotten, since + datetime.timedelta(seconds=forgotten * self.decay)


def _matching(keys):
    condition = Q(pk__in=[])
    for scope, key in keys:
        condition |= Q(scope=scope, key=key[:KEY_LENGTH])
    return condition


def counters(keys) -> dict[tuple[str, str], Throttle]:
    """The rows of the (scope, key) pairs that have one, by (scope, key), in one query."""
    if not keys:
        return {}
    rows = Throttle.objects.filter(_matching(keys)).only(
        "scope", "key", "count", "window_started_at", "locked_until"
    )
    return {(row.scope, row.key): row for row in rows}


def waiting_until(rows, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The latest end of the delays in force among these rows (None: none is)."""
    now = now or timezone.now()
    ends = [row.locked_until for row in rows if row.locked_until and row.locked_until > now]
    return max(ends, default=None)


@dataclass(frozen=True)
class Charge:
    count: int  # failures remembered for the key, this one included
    until: datetime.datetime | None  # when the delay this failure started ends (None: no delay)


def charge(backoff: Backoff, key: str, now: datetime.datetime | None = None) -> Charge:
    """Count one failure for the key and start the delay it has earned."""
    now = now or timezone.now()

    def change(row):
        count, since = backoff.level(row, now)
        row.count = min(count + 1, backoff.ceiling)
        row.window_started_at = since
        row.last_event_at = now
        delay = backoff.delay(row.count)
        row.locked_until = now + datetime.timedelta(seconds=delay) if delay else None
        return Charge(row.count, row.locked_until)

    return _change(backoff.scope, key[:KEY_LENGTH], now, change)


def clear(keys) -> None:
    """Forget the failures of these (scope, key) pairs (a right answer); one query, and none at
    all when none has failures."""
    if keys:
        Throttle.objects.filter(_matching(keys), count__gt=0).update(count=0, locked_until=None)


def once(scope: str, key: str, every: datetime.timedelta, now: datetime.datetime | None = None) -> bool:
    """True at most once per `every` for the key (an email about repeated failures): the first
    call is, the next ones until `every` has passed are not."""
    now = now or timezone.now()

    def change(row):
        if row.locked_until and row.locked_until > now:
            return False
        row.count += 1
        row.last_event_at = now
        row.locked_until = now + every
        return True

    return _change(scope, key[:KEY_LENGTH], now, change)


def seconds_until(until: datetime.datetime, now: datetime.datetime | None = None) -> int:
    """Whole seconds left before `until` (at least 1): what the pages say and Retry-After sends."""
    now = now or timezone.now()
    return max(1, math.ceil((until - now).total_seconds()))
