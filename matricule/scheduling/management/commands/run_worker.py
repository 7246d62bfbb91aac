"""`manage.py run_worker [QUEUE …]`: the task worker of the configured backend (the database
queue's `db_worker`, or RQ's `rqworker` with its scheduler), plus the scheduler thread that
beats for this worker and runs the recurring jobs (reconciliation, email delivery, purges,
recovery of dead workers' tasks). One command for every deployment; no cron."""

import logging
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from matricule.scheduling import worker

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run a task worker with the recurring-job scheduler."

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help="queues to work on (default: all)")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="database queue: seconds between polls"
        )
        parser.add_argument("--batch", action="store_true", help="stop when the queues are empty")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not run the recurring jobs in this worker"
        )

    def handle(self, *args, queues, interval, batch, no_scheduler, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        database = backend.startswith("django_tasks_db")
        # RQ's workers beat on their own; the database queue's do through this thread.
        identity = worker.Identity() if database else None
        loops = worker.start(identity, schedule=not no_scheduler)
        try:
            if database:
                self.work_database_queue(identity, ",".join(queues) or "*", interval, batch, options)
            else:
                names = queues or settings.TASKS["default"].get("QUEUES") or ["default"]
                # django-tasks-rq's job class runs the task (RQ's own calls the Task object and fails);
                # jobs run in this process, not in a child forked per job (rq_worker.py). A task
                # that kills the process is taken up again from RQ's registry of started jobs
                # (recovery.py), as a forked child's would be.
                call_command(
                    "rqworker",
                    *names,
                    job_class="django_tasks_rq.backend.Job",
                    worker_class="matricule.scheduling.rq_worker.TaskWorker",
                    with_scheduler=True,
                    burst=batch,
                    verbosity=options["verbosity"],
                )
        finally:
            worker.stop(loops)

    def work_database_queue(self, identity, queue_name, interval, batch, options):
        """db_worker's loop, started again when the database goes away under it (a restart, a
        failover): the worker process survives it. The task it was running, if any, stays
        RUNNING under the old id, which stops beating: recovery takes it up after the lease."""
        while True:
            try:
                call_command(
                    "db_worker",
                    queue_name=queue_name,
                    interval=interval,
                    batch=batch,
                    worker_id=identity.current,
                    startup_delay=False,
                    verbosity=options["verbosity"],
                )
                return
            except DatabaseError:
                logger.warning("Task loop stopped by a database error: starting again", exc_info=True)
                identity.renew()
                connections.close_all()
                time.sleep(1)
