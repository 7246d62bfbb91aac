"""CPU time of the rush's processes by kind, from /proc: web (gunicorn or granian and the
children they start: workers, the sandbox's fork server), task workers (run_worker), PostgreSQL,
Redis and the load generator (Locust). A kind's time is that of its live processes plus what
their exited children had used (reaped: cutime/cstime), so killed and re-forked workers still
count.

    python bench/rush/cpu.py OUT.json                  a snapshot
    python bench/rush/cpu.py --child OUT.json CMD …    run CMD (the load generator, which has
                                                       ended before the snapshot after the rush)
                                                       and write its CPU seconds as {"load": …}
"""

import json
import os
import sys
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command line, CPU seconds of itself and its reaped children)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parent = int(fields[1])
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        found[int(entry.name)] = (parent, command, (utime + stime + cutime + cstime) / TICKS)
    return found


def kind_of(command: str) -> str | None:
    if ("gunicorn" in command or "granian" in command) and "matricule.wsgi" in command:
        return "web"
    if "run_worker" in command or "db_worker" in command:
        return "workers"
    if command.startswith("postgres") or "/bin/postgres" in command:
        return "postgres"
    if command.startswith("redis-server"):
        return "redis"
    if "locust" in command:
        return "load"
    return None


def snapshot() -> dict[str, float]:
    table = processes()
    totals = dict.fromkeys(("web", "workers", "postgres", "redis", "load"), 0.0)
    for pid, (_parent, _command, seconds) in table.items():
        # A process belongs to the kind of its nearest ancestor (or itself) that has one.
        current, kind = pid, None
        while current in table and kind is None:
            kind = kind_of(table[current][1])
            current = table[current][0]
        if kind:
            totals[kind] += seconds
    return totals


def run_child(out: str, command: list[str]) -> int:
    import resource
    import subprocess

    code = subprocess.call(command)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    Path(out).write_text(json.dumps({"load": usage.ru_utime + usage.ru_stime}))
    return code


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        sys.exit(run_child(sys.argv[2], sys.argv[3:]))
    Path(sys.argv[1]).write_text(json.dumps(snapshot()))
