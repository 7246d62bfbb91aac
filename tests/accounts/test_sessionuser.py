"""The signed-in user read from the shared cache (accounts/sessionuser.py): no query for the user
on a signed-in page, and every change of the row seen on the next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matricule.accounts import sessionuser

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/etudiant/"  # any page that reads request.user


@pytest.fixture(autouse=True)
def cached(settings):
    settings.SESSION_USER_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def student(django_user_model):
    return django_user_model.objects.create_user("etudiant.cache", password="a long passphrase 1")


def user_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    return response, [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_second_page_reads_the_user_from_the_cache(client, student):
    signed_in(client, student)
    response, first = user_queries(client)
    assert response.wsgi_request.user == student
    assert len(first) == 1  # read from the database, then kept
    response, second = user_queries(client)
    assert second == []
    assert response.wsgi_request.user.pk == student.pk
    assert response.wsgi_request.user.username == "etudiant.cache"
    assert not response.wsgi_request.user._state.adding  # a row, as the database gives it


def test_a_new_password_ends_the_session_despite_the_cache(client, student):
    signed_in(client, student)
    user_queries(client)
    user_queries(client)  # cached now
    student.set_password("another long passphrase 2")
    student.save()
    response, queries = user_queries(client)
    assert not response.wsgi_request.user.is_authenticated
    assert queries  # the cached row was not trusted


def test_ending_other_sessions_by_update_is_seen(client, student):
    signed_in(client, student)
    user_queries(client)
    student.end_other_sessions()  # a QuerySet.update(): no signal, forget() called by hand
    response, _queries = user_queries(client)
    assert not response.wsgi_request.user.is_authenticated


def test_a_deactivated_or_deleted_user_is_signed_out(client, student, django_user_model):
    signed_in(client, student)
    user_queries(client)
    student.is_active = False
    student.save()
    response, _queries = user_queries(client)
    assert not response.wsgi_request.user.is_authenticated

    other = django_user_model.objects.create_user("etudiant.autre", password="a long passphrase 3")
    signed_in(client, other)
    user_queries(client)
    other.delete()
    response, _queries = user_queries(client)
    assert not response.wsgi_request.user.is_authenticated


def test_a_row_read_before_a_change_and_cached_after_it_is_never_used(client, student):
    """The race the generation exists for: a request reads the row, the row changes and the
    change commits, then that request writes what it read to the cache."""
    signed_in(client, student)
    stale, generation = sessionuser._cached(student.pk)
    assert stale is None
    from django.contrib.auth import get_user_model

    before = get_user_model().objects.get(pk=student.pk)
    student.set_password("another long passphrase 2")
    student.save()  # commits: the generation changes
    sessionuser._remember(before, generation)  # the late write of the old row
    found, _generation = sessionuser._cached(student.pk)
    assert found is None
    response, queries = user_queries(client)
    assert not response.wsgi_request.user.is_authenticated
    assert queries


def test_off_without_a_shared_cache(settings, client, student):
    settings.SESSION_USER_CACHE = False
    signed_in(client, student)
    user_queries(client)
    _response, queries = user_queries(client)
    assert len(queries) == 1
