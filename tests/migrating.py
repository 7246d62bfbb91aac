"""Data migrations under test: the database taken back to a past state, then forward again."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """The database at `targets`; the models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    """The database at the latest migrations (every app)."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def database_at(targets):
    """The body of a fixture (`yield from database_at(BEFORE)`): the models at `targets`, the
    database brought back to the latest migrations after the test."""
    yield migrate(targets)
    latest()
