"""Tasks for the scheduling tests: they touch files only, so that a worker in another process
(or a forked one, on a copy of the test database) can run them."""

import time
from pathlib import Path

from django_tasks import task


@task()
def wait_then_write(release: str, out: str) -> str:
    """Wait (at most two minutes) until `release` exists, then write `out`."""
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    Path(out).write_text("done")
    return out
