"""The Redis cache backend (matricule/rediscache.py): Django's, one client per connection pool,
against the real Redis the test machines run (database 12, under a prefix of its own)."""

import os
import threading
import uuid

import pytest
import redis

from matricule.rediscache import RedisCache

URL = os.environ.get("MATRICULE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {URL}")
    prefix = f"rediscache-test-{uuid.uuid4().hex}"
    yield RedisCache(URL, {"KEY_PREFIX": prefix})
    client = redis.Redis.from_url(URL)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_one_client_serves_every_call(cache):
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("some-key") is client


def test_it_keeps_django_s_behaviour(cache):
    assert cache.add("k", {"a": 1}, 30) is True
    assert cache.add("k", "other", 30) is False
    assert cache.get("k") == {"a": 1}
    cache.set_many({"x": 1, "y": [2]}, 30)
    assert cache.get_many(["x", "y", "z"]) == {"x": 1, "y": [2]}
    assert cache.incr("x") == 2
    assert cache.touch("y", 60) is True
    cache.delete("k")
    assert cache.get("k", "gone") == "gone"


def test_threads_share_the_client_safely(cache):
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"t{n}:{i}", i, 30)
                assert cache.get(f"t{n}:{i}") == i
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
