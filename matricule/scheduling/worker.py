"""The two threads every task worker runs beside its task loop (`manage.py run_worker`): the
heartbeat (so that the worker's tasks are taken up again if it dies) and the scheduler (the
recurring jobs that are due, claimed so that each runs once across all workers). Apart, so that
a long recurring job never delays a beat and makes the worker look dead."""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from . import services
from .models import WorkerBeat

logger = logging.getLogger(__name__)


class Loop(threading.Thread):
    """Calls `work` every `interval` seconds until stopped, on its own database connection."""

    def __init__(self, name: str, work: Callable[[], object], interval: float):
        super().__init__(name=name, daemon=True)
        self.work, self.interval = work, interval
        self.stopping = threading.Event()
        self.first_round = threading.Event()

    def run(self):
        try:
            while True:  # at least one round, even for a worker stopped at once (--batch)
                failed = not self.round()
                self.first_round.set()
                if self.stopping.wait(self.interval):
                    break
            if failed:
                self.round()  # the last round was skipped: once more, the worker being done
        finally:
            connections.close_all()

    def round(self) -> bool:
        close_old_connections()
        try:
            self.work()
        except DatabaseError:
            # The database restarting, or locked (SQLite): the next round tries again.
            logger.warning("%s skipped a round: database unavailable", self.name, exc_info=True)
            return False
        return True

    def stop(self) -> None:
        self.stopping.set()


def new_worker_id() -> str:
    """Unique, and within db_worker's 64 characters: host, process, and a random part."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Identity:
    """The id the worker claims tasks under and beats for; renewed when its task loop had to
    restart, so that a task the old loop left running is seen as abandoned and taken up again."""

    def __init__(self):
        self.current = new_worker_id()

    def renew(self) -> str:
        self.current = new_worker_id()
        return self.current


def beat(worker_id: str) -> None:
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"last_seen": timezone.now()})


def start(identity: Identity | None, *, schedule: bool = True, wait: float = 30) -> list[Loop]:
    """The heartbeat (when the worker has an id to beat for) and the scheduler, started, and
    their first round done (at most `wait` seconds): the worker has beaten before it takes a
    task, so that even its first task is recoverable."""
    interval = settings.MATRICULE_SCHEDULER_SECONDS
    loops = []
    if identity is not None:
        loops.append(Loop("matricule-heartbeat", lambda: beat(identity.current), interval))
    if schedule:
        loops.append(Loop("matricule-scheduler", services.run_due, interval))
    for loop in loops:  # one after the other: their first rounds never contend (SQLite)
        loop.start()
        loop.first_round.wait(wait)
    return loops


def stop(loops: list[Loop]) -> None:
    for loop in loops:
        loop.stop()
    for loop in loops:
        loop.join(timeout=10)
