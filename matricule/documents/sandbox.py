"""Run code that reads a student's bytes in a separate, bounded process.

Every stage that parses an upload (sniffing, image decoding, PDF parsing, rendering) runs in a
child process with its own address-space limit (`RLIMIT_AS`), CPU-time limit (`RLIMIT_CPU`) and
wall-clock deadline, so that a hostile file of a kind nobody listed (a decompression bomb, a
parser loop, a crash in a C library) costs the child its life and the web process nothing.

Children are forked by multiprocessing's fork server: one clean, single-threaded process per
web process that has the parsing libraries imported already, so a child starts in a few
milliseconds and never inherits the web process's threads, locks or connections.
"""

import io
import multiprocessing
import os
import resource
import signal
from dataclasses import dataclass
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.context import ForkServerProcess, set_spawning_popen

from django.conf import settings

# Imported once by the fork server, so children do not pay for it. This module too: each child
# unpickles `_child` from it, and without it there every child imported it again, with
# django.conf (about 7 ms of CPU an upload, bench/rush).
PRELOAD = [
    "matricule.documents.sandbox",
    "matricule.documents.checks",
    "matricule.documents.render",
    "pypdf",
    "pypdfium2",
    "PIL.Image",
]

forkserver.set_forkserver_preload(PRELOAD)


class LimitExceeded(Exception):
    """The child went over a limit or died; `reason` is "memory", "time" or "crashed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    cpu_seconds: int
    wall_seconds: float

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            memory_mb=settings.MATRICULE_SANDBOX_MEMORY_MB,
            cpu_seconds=settings.MATRICULE_SANDBOX_CPU_SECONDS,
            wall_seconds=settings.MATRICULE_SANDBOX_WALL_SECONDS,
        )


def run(function, *args, limits: Limits | None = None, **kwargs):
    """function(*args, **kwargs) in a bounded child; its result, or the exception it raised
    (re-raised here when it can be pickled), or LimitExceeded. The function and its arguments
    must be importable and picklable."""
    limits = limits or Limits.from_settings()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = _SandboxProcess(
        target=_child, args=(sender, limits, function, args, kwargs), name="matricule-sandbox", daemon=True
    )
    child.start()
    sender.close()  # the child holds the only writing end: its death is seen as end of file
    try:
        if not receiver.poll(limits.wall_seconds):
            raise LimitExceeded("time")
        try:
            outcome, value = receiver.recv()
        except (EOFError, OSError):
            child.join(5)
            raise LimitExceeded(_death_reason(child.exitcode)) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        child.close()
    if outcome == "ok":
        return value
    if outcome == "memory":
        raise LimitExceeded("memory")
    raise value


def _death_reason(exitcode) -> str:
    if exitcode == -signal.SIGXCPU or exitcode == -signal.SIGKILL:
        return "time"  # SIGKILL: the hard CPU limit, one second after SIGXCPU was ignored
    return "crashed"  # e.g. a C library aborting when an allocation fails under RLIMIT_AS


def _child(sender, limits: Limits, function, args, kwargs):
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        message = ("ok", function(*args, **kwargs))
    except MemoryError:
        message = ("memory", None)
    except Exception as error:  # handed to the caller, who decides what it means
        message = ("error", error)
    try:
        sender.send(message)
    except MemoryError:
        sender.send(("memory", None))
    except Exception as error:  # e.g. an exception that cannot be pickled
        sender.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
    sender.close()


class _Popen(popen_forkserver.Popen):
    """The fork server's launcher, less one step: the child does not re-run the parent's main
    script (`gunicorn`, `manage.py`, a test runner) before the target, as multiprocessing does
    for targets defined there. Ours is importable, and re-running a main script would cost each
    child its start-up time. Otherwise as `popen_forkserver.Popen._launch` (Python 3.11)."""

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _SandboxProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)
