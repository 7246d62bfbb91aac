"""Counts the SQL statements of a process by kind (SELECT, INSERT, UPDATE, DELETE, other) and
writes them to <RUSH_STATEMENTS>/<pid>.json, with the process's role (web or workers), every few
seconds and at exit; `total()` adds them up. Installed by rush_settings.py as an app, active only
when RUSH_STATEMENTS is set (the web and task-worker processes of the rush, not the seeding).

    python bench/rush/statements.py DIR OUT.json      the totals so far, by role and kind
"""

import atexit
import collections
import json
import os
import sys
import time
from pathlib import Path

try:
    from django.apps import AppConfig
except ImportError:  # the totals are read by a plain script too
    AppConfig = object

KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


class Counter:
    def __init__(self, folder: Path):
        self.folder = folder
        self.role = "web" if "gunicorn" in " ".join(sys.argv) else "workers"
        self.counts = collections.Counter()
        self.written_at = 0.0
        atexit.register(self.write)

    def __call__(self, execute, sql, params, many, context):
        word = sql.lstrip()[:6].upper()
        self.counts[word if word in KINDS else "other"] += 1
        if time.monotonic() - self.written_at > 2:
            self.write()
        return execute(sql, params, many, context)

    def write(self):
        self.written_at = time.monotonic()
        # Aside then renamed: a reader never sees half a file. Never breaks the query it counts.
        path = self.folder / f"{os.getpid()}.json"
        temporary = path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps({"role": self.role, "counts": self.counts}))
            temporary.rename(path)
        except OSError:
            pass


def total(folder) -> dict[str, dict[str, int]]:
    """role → kind → statements, over every process that wrote its counts in `folder`."""
    sums: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for path in Path(folder).glob("*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        sums[data["role"]].update(data["counts"])
    return {role: dict(counts) for role, counts in sums.items()}


COUNTER = None


def install(sender, connection, **kwargs):
    if COUNTER is not None and COUNTER not in connection.execute_wrappers:
        connection.execute_wrappers.append(COUNTER)


class StatementsConfig(AppConfig):
    name = "statements"
    label = "rush_statements"

    def ready(self):
        global COUNTER
        folder = os.environ.get("RUSH_STATEMENTS")
        if not folder:
            return
        from django.db.backends.signals import connection_created

        Path(folder).mkdir(parents=True, exist_ok=True)
        COUNTER = Counter(Path(folder))
        connection_created.connect(install, dispatch_uid="rush_statements")


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(total(sys.argv[1])))
