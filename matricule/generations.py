"""Values kept in the shared cache (Redis) under a *generation*: a random token that every change
of what the value is made from replaces, once the change's transaction commits. The value and
the generation are read together (one round trip); a value is used only if it was written under
the current generation. A process that read the database just before a change and writes the
cache just after writes under the old generation: its value is never used. So a change is seen
by every process on its next read, as without the cache.

Used where many processes read the same small rows on every request: the signed-in user
(accounts/sessionuser.py), the webhook subscriptions (webhooks/events.py). Only with a cache
every process shares (`SHARED_CACHE`); with a per-process cache nothing is kept."""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Entries live a few minutes; a generation twice as long, so that no entry written under a
# generation outlives it (an expired generation reads as "none", like a value never changed).
ENTRY_SECONDS = 300
GENERATION_SECONDS = 2 * ENTRY_SECONDS

MISSING = object()


def enabled() -> bool:
    return getattr(settings, "SHARED_CACHE", False)


def _generation_key(key: str) -> str:
    return f"{key}:generation"


def forget(key: str) -> None:
    """The value under `key` is stale once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.set(_generation_key(key), secrets.token_hex(8), GENERATION_SECONDS))


def read(key: str):
    """(the value kept, or MISSING; the generation seen, to write a value under)."""
    found = cache.get_many([key, _generation_key(key)])
    generation = found.get(_generation_key(key))
    entry = found.get(key)
    if entry is None or entry[0] != generation:
        return MISSING, generation
    return entry[1], generation


def write(key: str, generation, value) -> None:
    cache.set(key, (generation, value), ENTRY_SECONDS)


def cached(key: str, compute):
    """The value under `key`, computed (and kept) when missing or stale; computed every time when
    no shared cache is configured."""
    if not enabled():
        return compute()
    value, generation = read(key)
    if value is MISSING:
        value = compute()
        write(key, generation, value)
    return value
