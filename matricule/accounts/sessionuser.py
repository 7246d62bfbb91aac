"""The signed-in user of each request, read from the shared cache instead of the database.

Every page of a signed-in person loaded their user row (one query and its ORM work: about a
millisecond of CPU a request in bench/rush). With a shared cache (Redis: `SESSION_USER_CACHE`),
the row is kept there, under the user's *generation*: a random token that every change of the
row replaces, after its transaction commits. The entry and the generation are read together (one
round trip); an entry is used only if it was written under the current generation. A request
that read the row just before a change and writes it to the cache just after finds it written
under the old generation, so it is never used: a new password, a deactivation or an ended session
(`security_stamp`) takes effect on the next request, as without the cache.

Everything else is Django's: the session's hash is checked against the cached row as Django
checks it; anything unusual (no entry, inactive user, hash not matching, backend not configured)
goes through `django.contrib.auth.get_user`, which also handles the fallback secrets.

A change to user rows that bypasses `save()` and `delete()` (`QuerySet.update`, raw SQL) must call
`forget(pk)`.
"""

import secrets

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

# Entries live a few minutes; a generation twice as long, so that no entry written under a
# generation outlives it (an expired generation reads as "none", like a user never changed).
ENTRY_SECONDS = 300
GENERATION_SECONDS = 2 * ENTRY_SECONDS


def enabled() -> bool:
    return getattr(settings, "SESSION_USER_CACHE", False)


def _keys(pk) -> tuple[str, str]:
    return f"session-user:{pk}", f"session-user-generation:{pk}"


def forget(pk) -> None:
    """The cached row of user `pk` is stale once the current transaction commits."""
    if not enabled() or pk is None:
        return
    _entry, generation = _keys(pk)
    transaction.on_commit(lambda: cache.set(generation, secrets.token_hex(8), GENERATION_SECONDS))


def _cached(pk):
    """(the cached user or None, the generation seen)."""
    entry_key, generation_key = _keys(pk)
    found = cache.get_many([entry_key, generation_key])
    generation = found.get(generation_key)
    entry = found.get(entry_key)
    if entry is None or entry[0] != generation:
        return None, generation
    model = auth.get_user_model()
    names, values = entry[1], entry[2]
    return model.from_db(DEFAULT_DB_ALIAS, names, values), generation


def _remember(user, generation) -> None:
    names = [field.attname for field in user._meta.concrete_fields]
    values = [getattr(user, name) for name in names]
    cache.set(_keys(user.pk)[0], (generation, names, values), ENTRY_SECONDS)


def get_user(request):
    """`django.contrib.auth.get_user`, with the user's row from the cache when it is there."""
    session = request.session
    try:
        pk = auth._get_user_session_key(request)
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)  # anonymous: nothing to read
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    user, generation = _cached(pk)
    if user is not None and user.is_active:
        session_hash = session.get(HASH_SESSION_KEY)
        if session_hash and constant_time_compare(session_hash, user.get_session_auth_hash()):
            return user
    user = auth.get_user(request)  # Django's checks, on the row read from the database
    if user.is_authenticated and user.pk == pk:
        _remember(user, generation)
    return user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` read through the cache when `SESSION_USER_CACHE` is on."""

    def process_request(self, request):
        super().process_request(request)
        if enabled():
            request.user = SimpleLazyObject(lambda: _user_of(request))


def _user_of(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user
