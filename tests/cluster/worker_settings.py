"""The production settings (from the environment) plus the recurring job of ticking.py: what the
task workers of tests/cluster/test_task_workers.py run with."""

from matricule.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.cluster.ticking.TickingConfig"]  # noqa: F405
