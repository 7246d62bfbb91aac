"""The bounded child process that reads students' bytes: results and refusals come back, and a
child over its memory, CPU or wall-clock limit, or crashing, costs the caller nothing."""

import multiprocessing
import os
import resource
import time

import pytest
from django.utils import translation

from matricule.documents import checks, sandbox
from matricule.documents.sandbox import LimitExceeded, Limits

GENEROUS = Limits(memory_mb=768, cpu_seconds=30, wall_seconds=120)


def spin():
    while True:
        pass


def sleep_long():
    time.sleep(600)


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_the_function_result_comes_back():
    assert sandbox.run(checks.sniff, b"%PDF-1.7\n", limits=GENEROUS) == "pdf"


def test_a_refusal_comes_back_with_its_code_and_message_in_the_reader_language():
    with pytest.raises(checks.UploadRefused) as raised:
        sandbox.run(checks.check_upload, b"", max_bytes=1000, max_pages=1, limits=GENEROUS)
    assert raised.value.code == "empty"
    with translation.override("fr"):
        assert raised.value.text == "Le fichier est vide."


def test_a_refusal_with_its_own_message_keeps_it():
    refusal = checks.UploadRefused("encrypted", key="encrypted_protected")
    with pytest.raises(checks.UploadRefused) as raised:
        sandbox.run(_raise, refusal, limits=GENEROUS)
    assert raised.value.code == "encrypted"
    with translation.override("en"):
        assert "protected against copying" in raised.value.text


def _raise(error):
    raise error


def test_other_exceptions_come_back_as_they_are():
    with pytest.raises(ValueError, match="invalid literal"):
        sandbox.run(int, "not a number", limits=GENEROUS)


def test_over_the_memory_limit_the_child_fails_and_the_caller_does_not_grow():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LimitExceeded) as raised:
        sandbox.run(allocate, 2048, limits=Limits(memory_mb=256, cpu_seconds=30, wall_seconds=120))
    assert raised.value.reason == "memory"
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100 * 1024
    # Under the limit, the same work succeeds: the limit is what stopped it.
    small = Limits(memory_mb=256, cpu_seconds=30, wall_seconds=120)
    assert sandbox.run(allocate, 64, limits=small) == 64 << 20


def test_over_the_cpu_limit_the_child_is_killed():
    with pytest.raises(LimitExceeded) as raised:
        sandbox.run(spin, limits=Limits(memory_mb=256, cpu_seconds=1, wall_seconds=600))
    assert raised.value.reason == "time"


def test_past_the_deadline_a_waiting_child_is_killed_and_reaped():
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as raised:
        sandbox.run(sleep_long, limits=Limits(memory_mb=256, cpu_seconds=30, wall_seconds=1))
    assert raised.value.reason == "time"
    assert time.monotonic() - started < 300  # killed, not waited for (it sleeps 600 s)
    assert not [p for p in multiprocessing.active_children() if p.name == "matricule-sandbox"]


def test_a_child_that_crashes_is_reported():
    with pytest.raises(LimitExceeded) as raised:
        sandbox.run(os.abort, limits=GENEROUS)
    assert raised.value.reason == "crashed"


def test_limits_come_from_the_settings(settings):
    settings.MATRICULE_SANDBOX_MEMORY_MB = 200
    settings.MATRICULE_SANDBOX_CPU_SECONDS = 3
    settings.MATRICULE_SANDBOX_WALL_SECONDS = 9
    assert Limits.from_settings() == Limits(memory_mb=200, cpu_seconds=3, wall_seconds=9)


def test_the_child_runs_with_the_limits_applied():
    memory, cpu = sandbox.run(_limits, limits=Limits(memory_mb=300, cpu_seconds=7, wall_seconds=60))
    assert memory == (300 << 20, 300 << 20)
    assert cpu == (7, 8)


def _limits():
    return resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_CPU)
