"""`manage.py run_worker [QUEUE …]`: the task worker of the configured backend (the database
queue's `db_worker`, or RQ's `rqworker` with its scheduler), plus the scheduler thread that
beats for this worker and runs the recurring jobs (reconciliation, email delivery, purges,
recovery of dead workers' tasks). One command for every deployment; no cron."""

import os
import socket
import uuid

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from matricule.scheduling import worker


class Command(BaseCommand):
    help = "Run a task worker with the recurring-job scheduler."

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", help="queues to work on (default: all)")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="database queue: seconds between polls"
        )
        parser.add_argument("--batch", action="store_true", help="database queue: stop when it is empty")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not run the recurring jobs in this worker"
        )

    def handle(self, *args, queues, interval, batch, no_scheduler, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        database = backend.startswith("django_tasks_db")
        # Unique and under db_worker's 64 characters: host, process, and a random part.
        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        # RQ's workers beat on their own; the database queue's do through this thread.
        loops = worker.start(worker_id if database else None, schedule=not no_scheduler)
        try:
            if database:
                call_command(
                    "db_worker",
                    queue_name=",".join(queues) or "*",
                    interval=interval,
                    batch=batch,
                    worker_id=worker_id,
                    startup_delay=False,
                    verbosity=options["verbosity"],
                )
            else:
                names = queues or settings.TASKS["default"].get("QUEUES") or ["default"]
                call_command("rqworker", *names, with_scheduler=True, verbosity=options["verbosity"])
        finally:
            worker.stop(loops)
