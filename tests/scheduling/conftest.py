import pytest

# The real Redis of the machine, in a database of its own (flushed around each test).
REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES},
    }


@pytest.fixture
def redis_queue(settings, monkeypatch):
    import django_rq.settings
    import redis

    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run and scripts/test start it)")
    connection.flushdb()
    queues = {name: {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 300} for name in settings.TASK_QUEUES}
    monkeypatch.setattr(django_rq.settings, "QUEUES", queues)
    settings.RQ_QUEUES = queues
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}}
    yield connection
    connection.flushdb()


@pytest.fixture(params=["database", "redis"])
def task_queue(request):
    """Each backend in turn, as production configures it: the database queue, then django-tasks-rq
    on the real Redis (issue 18, item 2). The test's value is the backend's name."""
    request.getfixturevalue(f"{request.param}_queue")
    return request.param
