"""What the task queues share: the priority of the connection-link tasks."""

from django.conf import settings
from django.utils.module_loading import import_string

# The highest the tasks API allows (django_tasks.TASK_MAX_PRIORITY) and its default.
HIGHEST_PRIORITY = 100
DEFAULT_PRIORITY = 0


def login_priority() -> int:
    """The highest priority where the configured backend orders tasks by priority (the database
    queue); the default where it cannot (RQ refuses any other: there the `login` queue's own
    worker, `run_worker login`, gives the links their head start)."""
    backend = import_string(settings.TASKS["default"]["BACKEND"])
    return HIGHEST_PRIORITY if backend.supports_priority else DEFAULT_PRIORITY


LOGIN_PRIORITY = login_priority()
