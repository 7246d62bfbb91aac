"""Recurring jobs, run once across many workers: each worker's scheduler thread calls `run_due()`
every few seconds; a job due is claimed by a conditional UPDATE of its row (its next run moved
forward), which only one worker can win, then run in that worker."""

import contextlib
import logging
import traceback

from django.db import IntegrityError
from django.utils import timezone

from . import registry
from .models import RecurringJob

logger = logging.getLogger(__name__)


def run_due(now=None) -> list[str]:
    """Run every registered job that is due and that this worker claims; the names run."""
    now = now or timezone.now()
    ran = []
    for job in list(registry.JOBS.values()):
        if not _claim(job, now):
            continue
        error = ""
        try:
            job.function()
        except Exception:  # one failing job must not stop the others, nor the scheduler
            logger.exception("Recurring job %s failed", job.name)
            error = traceback.format_exc(limit=5)[-4000:]
        RecurringJob.objects.filter(name=job.name).update(last_finished_at=timezone.now(), last_error=error)
        ran.append(job.name)
    return ran


def _claim(job, now) -> bool:
    # First time: the row is created due now; two workers creating it at once: one wins.
    with contextlib.suppress(IntegrityError):
        RecurringJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    return bool(
        RecurringJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_started_at=now
        )
    )
