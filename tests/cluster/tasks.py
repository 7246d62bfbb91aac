"""The task the recurring job of ticking.py queues: it touches a file only, so that any worker
process can run it and the test can see which did."""

import os

from django_tasks import task


@task()
def record(path: str, tick_id: str) -> str:
    from .ticking import append

    append(path, f"{tick_id} {os.environ['CLUSTER_WORKER']}")
    return tick_id
