"""Values kept in the shared cache under a generation (matricule/generations.py): used until a
change commits, never a value computed before a change and written after it."""

import pytest
from django.core.cache import cache
from django.db import transaction

from matricule import generations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shared(settings):
    settings.SHARED_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_a_value_is_computed_once_then_read_from_the_cache():
    compute, calls = counting(["a"])
    assert generations.cached("k", compute) == ["a"]
    assert generations.cached("k", compute) == ["a"]
    assert len(calls) == 1


def test_a_change_is_seen_once_its_transaction_commits():
    compute, calls = counting(1)
    generations.cached("k", compute)
    with transaction.atomic():
        generations.forget("k")
        generations.cached("k", compute)
        assert len(calls) == 1  # not yet committed: the value still holds
    generations.cached("k", compute)
    assert len(calls) == 2


def test_a_change_rolled_back_keeps_the_value():
    compute, calls = counting(1)
    generations.cached("k", compute)
    with pytest.raises(RuntimeError), transaction.atomic():
        generations.forget("k")
        raise RuntimeError
    generations.cached("k", compute)
    assert len(calls) == 1


def test_a_value_read_before_a_change_and_written_after_it_is_never_used():
    _value, generation = generations.read("k")  # a process reads the rows...
    generations.forget("k")  # ...another changes them and commits...
    generations.write("k", generation, "stale")  # ...the first writes what it read
    assert generations.read("k")[0] is generations.MISSING
    assert generations.cached("k", lambda: "fresh") == "fresh"


def test_without_a_shared_cache_nothing_is_kept(settings):
    settings.SHARED_CACHE = False
    compute, calls = counting(1)
    generations.cached("k", compute)
    generations.cached("k", compute)
    assert len(calls) == 2
