"""Rate limits on credential checks, kept in the database so that staff can see and lift them.

A counter counts events for one key (a Parcoursup number, an address…) in a sliding window;
at the limit the key is locked for a cooling-off period. Limits are per scope, so that one
student's failures never lock out the rest of their lycée's network address.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from matricule.audit.context import client_address  # noqa: F401 (the views find it here)

from .models import Throttle


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


def hit(scope: str, key: str, now: datetime.datetime | None = None, rule: Limit | None = None):
    """Count one event for the key; returns when its lock ends if this event reached the limit.
    The limit is the scope's setting unless the caller gives its own."""
    rule = rule or limit(scope)
    now = now or timezone.now()
    with transaction.atomic():
        row = Throttle.objects.select_for_update().filter(scope=scope, key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Throttle.objects.create(scope=scope, key=key, count=0, window_started_at=now)
            except IntegrityError:  # created meanwhile by a concurrent request
                row = Throttle.objects.select_for_update().get(scope=scope, key=key)
        if row.window_started_at + rule.window <= now:
            row.count, row.window_started_at = 0, now
        row.count += 1
        row.last_event_at = now
        if row.count >= rule.max_events:
            row.locked_until = now + rule.cooldown
        row.save()
        return row.locked_until if row.locked_until and row.locked_until > now else None


def lift(throttle: Throttle) -> None:
    """Staff lift a lock: the counter starts again from zero."""
    throttle.count = 0
    throttle.locked_until = None
    throttle.window_started_at = timezone.now()
    throttle.save(update_fields=["count", "locked_until", "window_started_at"])
