"""Counts the SQL statements of a process by kind (SELECT, INSERT, UPDATE, DELETE, other) and
writes them to <RUSH_STATEMENTS>/<pid>.json, with the process's role (web or workers), within a
second of each statement and at exit; `total()` adds them up. Installed by rush_settings.py as
an app, active only when RUSH_STATEMENTS is set (the web and task-worker processes of the rush,
not the seeding).

    python bench/rush/statements.py DIR OUT.json      the totals so far, by role and kind
"""

import atexit
import collections
import json
import os
import sys
import threading
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
        command = " ".join(sys.argv)
        self.role = "web" if "gunicorn" in command or "granian" in command else "workers"
        self.counts = collections.Counter()
        self.lock = threading.Lock()
        self.dirty = False
        self.flusher_pid = None
        atexit.register(self.write)

    def __call__(self, execute, sql, params, many, context):
        word = sql.lstrip()[:6].upper()
        with self.lock:
            self.counts[word if word in KINDS else "other"] += 1
            self.dirty = True
        if self.flusher_pid != os.getpid():
            # One per process (started after the fork): written within a second of the last
            # statement, since a server may stop its workers without running their atexit.
            self.flusher_pid = os.getpid()
            threading.Thread(target=self.flush, daemon=True).start()
        return execute(sql, params, many, context)

    def flush(self):
        while True:
            time.sleep(1)
            if self.dirty:
                self.write()

    def write(self):
        with self.lock:
            counts, self.dirty = dict(self.counts), False
        # Aside then renamed: a reader never sees half a file. Never breaks the query it counts.
        path = self.folder / f"{os.getpid()}.json"
        temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
        try:
            temporary.write_text(json.dumps({"role": self.role, "counts": counts}))
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
