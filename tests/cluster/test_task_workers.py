"""Issue 18, item 2: on each task backend (the database queue and django-tasks-rq on the real
Redis), two `manage.py run_worker` processes as an operator starts them share the work: a
recurring job runs once per period across both, and each task it queues runs once, in a real
worker (RQ's forked work-horse, or db_worker)."""

from collections import Counter

import pytest
import redis

from tests.processes import PYTHON

from .stack import wait_until

TICK_SECONDS = 2
TICKS = 5
# The workers' queues: a Redis database of their own, away from the web nodes' worker (11).
QUEUE_URL = "redis://127.0.0.1:6379/10"


def lines(path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_two_workers_run_each_due_job_once_and_each_task_once(cluster, tmp_path, backend):
    redis.Redis.from_url(QUEUE_URL).flushdb()
    ticks, tasks = tmp_path / "ticks", tmp_path / "tasks"
    workers = []
    for name in ("w1", "w2"):
        environment = {
            # A machine of its own (VAR_DIR, temporary folder), on the cluster's database.
            **cluster.environment(cluster.node(f"{backend}-{name}", 0)),
            "DJANGO_SETTINGS_MODULE": "tests.cluster.worker_settings",
            "MATRICULE_TASKS_BACKEND": backend,
            "MATRICULE_REDIS_URL": QUEUE_URL,
            "CLUSTER_WORKER": name,
            "CLUSTER_TICKS": str(ticks),
            "CLUSTER_TASKS": str(tasks),
            "CLUSTER_TICK_SECONDS": str(TICK_SECONDS),
        }
        args = [PYTHON, "manage.py", "run_worker", "--interval", "0.2"]
        workers.append(cluster.spawn(f"{backend}-{name}", args, environment))
    try:
        wait_until(lambda: len(lines(ticks)) >= TICKS, f"{TICKS} runs of the recurring job", timeout=90)
        ran = {tick_id for tick_id, _worker, _at in lines(ticks)}
        wait_until(lambda: ran <= {tick_id for tick_id, _worker in lines(tasks)}, "their tasks", timeout=60)
    finally:
        for worker in workers:
            worker.stop()
        redis.Redis.from_url(QUEUE_URL).flushdb()
    runs = lines(ticks)
    # Once per period across both workers (each looks every second; without the claim both would
    # run the job each time it is due): each run was claimed a whole period after the one before.
    times = [float(at) for _tick, _worker, at in runs]
    assert len(set(times)) == len(times), times
    times.sort()
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= TICK_SECONDS - 0.001, gaps
    # Each task queued once ran once, in one of the two workers.
    done = Counter(tick_id for tick_id, _worker in lines(tasks))
    assert all(done[tick_id] == 1 for tick_id, _worker, _at in runs), done
    assert {worker for _tick, worker in lines(tasks)} <= {"w1", "w2"}
    assert all(worker.popen.returncode is not None for worker in workers)
