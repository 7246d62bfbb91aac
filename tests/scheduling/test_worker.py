"""The heartbeat and scheduler threads of a task worker."""

import threading

import pytest
from django.db import OperationalError

from matricule.scheduling import worker
from matricule.scheduling.models import RecurringJob, WorkerBeat

# The threads use connections of their own: the rows they write must be committed to be seen.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_loop_runs_at_least_once_even_when_stopped_at_once():
    rounds = []
    loop = worker.Loop("test", lambda: rounds.append(1), interval=60)
    loop.stop()
    loop.start()
    loop.join(timeout=30)
    assert rounds == [1] and not loop.is_alive()


def test_a_database_error_skips_a_round_and_the_loop_goes_on():
    rounds = []
    two_rounds = threading.Event()

    def work():
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("database is locked")
        two_rounds.set()

    loop = worker.Loop("test", work, interval=0.01)
    loop.start()
    assert two_rounds.wait(timeout=60)
    loop.stop()
    loop.join(timeout=30)
    assert len(rounds) >= 2


def test_the_worker_beats_and_runs_the_due_jobs(settings):
    identity = worker.Identity()
    loops = worker.start(identity)
    worker.stop(loops)
    assert WorkerBeat.objects.filter(worker_id=identity.current).exists()
    assert RecurringJob.objects.filter(name="scheduling.recover_tasks").exists()


def test_without_an_id_only_the_scheduler_runs():
    loops = worker.start(None)
    worker.stop(loops)
    assert [loop.name for loop in loops] == ["matricule-scheduler"]
    assert not WorkerBeat.objects.exists()


def test_a_renewed_identity_beats_under_its_new_id_and_the_old_one_falls_silent():
    identity = worker.Identity()
    old = identity.current
    assert len(old) <= 64
    assert identity.renew() != old and identity.current != old
    worker.beat(identity.current)
    assert WorkerBeat.objects.filter(worker_id=identity.current).exists()
    assert not WorkerBeat.objects.filter(worker_id=old).exists()
