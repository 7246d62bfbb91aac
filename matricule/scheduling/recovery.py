"""Tasks whose worker died are taken up again.

- Database queue (django-tasks-db): a task stays RUNNING when its worker is killed. Workers
  started with `manage.py run_worker` beat every few seconds (`WorkerBeat`); a RUNNING task whose
  worker has not beaten for `MATRICULE_WORKER_LEASE_SECONDS` goes back to READY, and another
  worker runs it. A task claimed by a worker that never beats (a plain `db_worker`) is taken up
  only after `MATRICULE_TASK_LEASE_MINUTES`, since it may still be running.
- Redis queue (RQ): RQ's own workers beat, and its registry of started jobs knows which ones
  were abandoned; `cleanup()` moves them to the failed registry, from where they are queued
  again.

Either way a task is tried at most `MAX_ATTEMPTS` times: one that kills its worker every time (a
memory bomb) ends failed rather than killing workers for ever. Tasks are idempotent, so running
one again after its worker died mid-way is safe.
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from .models import WorkerBeat

logger = logging.getLogger(__name__)

EVERY = datetime.timedelta(seconds=30)
MAX_ATTEMPTS = 3
PRUNE_EVERY = datetime.timedelta(hours=6)
# Finished tasks of the database queue are kept this long for staff to look at, then deleted.
KEEP_FINISHED = datetime.timedelta(days=7)


class AbandonedTask(Exception):
    """Recorded as the failure of a task whose workers died MAX_ATTEMPTS times while running it."""


def recover_abandoned_tasks(now=None) -> int:
    """Put back in their queue the tasks of dead workers, on every configured backend; how many."""
    now = now or timezone.now()
    recovered = 0
    for alias, options in settings.TASKS.items():
        backend = options["BACKEND"]
        if backend.startswith("django_tasks_db"):
            recovered += recover_database_tasks(alias, now)
        elif backend.startswith("django_tasks_rq"):
            recovered += recover_redis_tasks(options.get("QUEUES") or ["default"], now=now)
    return recovered


def recover_database_tasks(backend_name: str = "default", now=None) -> int:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.MATRICULE_WORKER_LEASE_SECONDS)
    beats = dict(WorkerBeat.objects.values_list("worker_id", "last_seen"))
    unbeaten_limit = now - datetime.timedelta(minutes=settings.MATRICULE_TASK_LEASE_MINUTES)
    recovered = 0
    running = DBTaskResult.objects.filter(backend_name=backend_name, status=TaskResultStatus.RUNNING)
    for task in running.only("id", "worker_ids", "started_at"):
        worker = task.worker_ids[-1] if task.worker_ids else None
        last_seen = beats.get(worker)
        if last_seen is not None:
            if last_seen >= now - lease:
                continue  # its worker is alive: still running
        elif task.started_at and task.started_at >= unbeaten_limit:
            continue  # a worker that does not beat: give it the long lease
        # Conditional on what was read: a worker that finished it meanwhile wins.
        claimed = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if len(task.worker_ids) >= MAX_ATTEMPTS:
            error = AbandonedTask(f"its worker died {len(task.worker_ids)} times while running it")
            claimed.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{__name__}.AbandonedTask",
                traceback=f"{__name__}.AbandonedTask: {error}",
            )
            logger.error("Task %s failed: %s", task.pk, error)
        elif claimed.update(status=TaskResultStatus.READY, started_at=None):
            logger.warning("Task %s taken up again: worker %s stopped beating", task.pk, worker)
            recovered += 1
    # Beats of workers gone for a day are of no more use.
    WorkerBeat.objects.filter(last_seen__lt=now - datetime.timedelta(days=1)).delete()
    return recovered


def recover_redis_tasks(queue_names, now=None) -> int:
    import django_rq
    from django_tasks_rq.backend import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    recovered = 0
    for name in queue_names:
        queue = django_rq.get_queue(name, job_class=Job)
        # RQ's own check: jobs whose worker stopped beating move to the failed registry.
        StartedJobRegistry(queue=queue).cleanup(timestamp=(now or timezone.now()).timestamp())
        failed = FailedJobRegistry(queue=queue)
        for job_id in failed.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is None or not _abandoned(job):
                continue
            attempts = job.meta.get("matricule_attempts", 1)
            if attempts >= MAX_ATTEMPTS:
                continue  # stays failed, for staff to see
            job.meta["matricule_attempts"] = attempts + 1
            job.save_meta()
            failed.requeue(job_id)
            logger.warning("Task %s taken up again: its RQ worker stopped beating", job_id)
            recovered += 1
    return recovered


def _abandoned(job) -> bool:
    result = job.latest_result()
    text = (getattr(result, "exc_string", "") or "") if result else ""
    return "AbandonedJobError" in text or "abandoned" in text.lower()


def prune_task_results(now=None) -> int:
    """Delete the database queue's finished tasks older than KEEP_FINISHED (their arguments hold
    personal data: ids and addresses)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = (now or timezone.now()) - KEEP_FINISHED
    finished = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    deleted, _ = DBTaskResult.objects.filter(status__in=finished, finished_at__lt=limit).delete()
    return deleted
