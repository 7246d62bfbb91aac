"""Django's tasks API: built into Django 6 (`django.tasks`), provided on Django 5.2 and
Python 3.11 by its reference implementation `django_tasks`, which has the same API."""

try:  # pragma: no cover - depends on the Django version installed
    from django.tasks import default_task_backend, task
except ImportError:  # Django 5.2
    from django_tasks import default_task_backend, task

__all__ = ["default_task_backend", "task"]
