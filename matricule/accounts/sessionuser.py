"""The signed-in user of each request, read from the shared cache instead of the database.

Every page of a signed-in person loaded their user row (one query and its ORM work: about a
millisecond of CPU a request in bench/rush). With a shared cache (Redis: `SESSION_USER_CACHE`),
the row is kept there under the user's generation (`matricule/generations.py`): every change of
the row replaces it once its transaction commits, so a new password, a deactivation or an ended
session (`security_stamp`) takes effect on the next request, as without the cache.

Everything else is Django's: the session's hash is checked against the cached row as Django
checks it; anything unusual (no entry, inactive user, hash not matching, backend not configured)
goes through `django.contrib.auth.get_user`, which also handles the fallback secrets.

A change to user rows that bypasses `save()` and `delete()` (`QuerySet.update`, raw SQL) must call
`forget(pk)`.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.db import DEFAULT_DB_ALIAS
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from matricule import generations


def enabled() -> bool:
    return getattr(settings, "SESSION_USER_CACHE", False)


def _key(pk) -> str:
    return f"session-user:{pk}"


def forget(pk) -> None:
    """The cached row of user `pk` is stale once the current transaction commits."""
    if enabled() and pk is not None:
        generations.forget(_key(pk))


def _cached(pk):
    """(the cached user or None, the generation seen)."""
    entry, generation = generations.read(_key(pk))
    if entry is generations.MISSING:
        return None, generation
    names, values = entry
    return auth.get_user_model().from_db(DEFAULT_DB_ALIAS, names, values), generation


def _remember(user, generation) -> None:
    names = [field.attname for field in user._meta.concrete_fields]
    generations.write(_key(user.pk), generation, (names, [getattr(user, name) for name in names]))


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
