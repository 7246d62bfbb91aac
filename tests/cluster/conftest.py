"""The cluster of tests/cluster/stack.py, started once for this folder's tests and stopped after
its last one (the rest of the suite does not run beside it); on PostgreSQL only (below)."""

import os

import pytest

from .stack import Stack, cluster_database_url

SKIP_REASON = (
    "the cluster tests need PostgreSQL: several processes (web nodes, task workers) share one "
    "database, which the tests' SQLite database cannot be; set "
    "MATRICULE_DATABASE_URL=postgres://… (CI's step 'Tests on PostgreSQL' runs it)"
)


def pytest_configure(config):
    config.addinivalue_line("markers", "cluster: two web nodes, a task worker, S3, Redis, PostgreSQL")


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="package")
def cluster(tmp_path_factory):
    test_database_url = os.environ.get("MATRICULE_DATABASE_URL", "")
    if not test_database_url.startswith(("postgres://", "postgresql://")):
        pytest.skip(SKIP_REASON)
    stack = Stack(tmp_path_factory.mktemp("cluster"), cluster_database_url(test_database_url))
    try:
        stack.start()
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.tear_down()
