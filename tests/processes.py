"""A command run the way an operator runs it: a process of its own, from the repository, with
the caller's environment less every MATRICULE_* variable (the tests' own settings stay out)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def clean_environment(**extra) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MATRICULE_")}
    environment.update(extra)
    return environment


def run(
    args: list[str], *, environment: dict | None = None, timeout: int = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=ROOT,
        env=clean_environment() if environment is None else environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(*args: str, environment: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return run([PYTHON, "manage.py", *args], environment=environment, timeout=timeout)
