"""A recurring job for the task-worker tests (tests/cluster/test_task_workers.py), installed only
by tests/cluster/worker_settings.py: each run appends a line to CLUSTER_TICKS and queues a task
on the configured backend that appends to CLUSTER_TASKS, so that the test can count how many
times each ran, and in which process."""

import datetime
import os
import uuid

from django.apps import AppConfig


def tick():
    from matricule.scheduling.models import RecurringJob

    from .tasks import record

    # When this run was claimed (the time the worker's round began, before its other jobs).
    claimed = RecurringJob.objects.get(name="cluster.tick").last_started_at.timestamp()
    tick_id = uuid.uuid4().hex
    append(os.environ["CLUSTER_TICKS"], f"{tick_id} {os.environ['CLUSTER_WORKER']} {claimed:.6f}")
    record.enqueue(os.environ["CLUSTER_TASKS"], tick_id)


def append(path: str, line: str):
    # One write of one line in append mode: lines of several processes never interleave.
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


class TickingConfig(AppConfig):
    name = "tests.cluster"
    label = "cluster_ticking"

    def ready(self):
        from matricule.scheduling import registry

        seconds = float(os.environ.get("CLUSTER_TICK_SECONDS", "2"))
        registry.register("cluster.tick", datetime.timedelta(seconds=seconds), tick)
