"""Prints the rush figures from the scenario's results and ends with the BENCH line.

python bench/rush/report.py RESULTS.json CEILING.json REGISTERED [CONDITIONS]

RUSH_BENCH_NAME names the BENCH line (rush by default; rush_cluster for bench/rush/run --cluster).
"""

import json
import math
import os
import sys
from pathlib import Path

WAITING = "00 waiting room page"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[rank]


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    ceiling = json.loads(Path(sys.argv[2]).read_text())
    registered = int(sys.argv[3])
    conditions = sys.argv[4] if len(sys.argv) > 4 else ""
    times = results["times"]
    errors = results["errors"]
    span = results["span_s"] or 1
    requests = sum(len(v) for v in times.values())
    journey_requests = [t for name, values in times.items() if name != WAITING for t in values]
    request_errors = sum(errors.values())
    # A journey that stopped without a failed request (mail or queue timeout) is an error too.
    other_failures = max(0, results["failed"] - request_errors)
    ceiling_rps = ceiling["requests"] / ceiling["seconds"] if ceiling.get("seconds") else 0.0

    print(f"\nRush: {conditions}")
    print(
        f"arrivals {results['started']} at {results['rate']}/s for {results['duration']:.0f} s; "
        f"completed {results['completed']}, failed {results['failed']} {results['failures'] or ''}; "
        f"late arrivals (load generator behind) {results['late_arrivals']}"
    )
    if results["queued"]:
        r = results
        print(
            f"waiting room: {r['queued']} queued, {r['admitted_from_queue']} let in from the line, "
            f"median wait {r['queue_wait_median_s']:.0f} s, longest {r['queue_wait_max_s']:.0f} s, "
            f"order violations {r['order_violations']}"
        )
    journeys = results["journey_ms"]
    if journeys:
        print(
            f"journey time: median {percentile(journeys, 50) / 1000:.1f} s, "
            f"p95 {percentile(journeys, 95) / 1000:.1f} s"
        )
    if results["mail_ms"]:
        print(
            f"login email delivered after: median {percentile(results['mail_ms'], 50):.0f} ms, "
            f"p95 {percentile(results['mail_ms'], 95):.0f} ms"
        )
    heads = ("count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"\n{'step':<42} " + " ".join(f"{h:>6}" if i < 2 else f"{h:>8}" for i, h in enumerate(heads)))
    for name in sorted(times):
        values = times[name]
        print(
            f"{name:<42} {len(values):>6} {errors.get(name, 0):>6} {percentile(values, 50):>8.0f} "
            f"{percentile(values, 95):>8.0f} {percentile(values, 99):>8.0f} {max(values):>8.0f}"
        )
    p50, p95, p99 = (percentile(journey_requests, p) for p in (50, 95, 99))
    print(
        f"{'all journey requests (waiting page apart)':<42} {len(journey_requests):>6} {request_errors:>6} "
        f"{p50:>8.0f} {p95:>8.0f} {p99:>8.0f}"
    )
    slow = sum(1 for t in journey_requests if t > 5000)
    print(f"requests slower than 5 s (a student would reload or leave): {slow}")
    print(
        f"\njourneys completed per second {results['completed'] / span:.2f}; requests per second "
        f"{requests / span:.1f}; registered in the database {registered} "
        f"(completed journeys {results['completed']}); trivial-page ceiling {ceiling_rps:.0f} req/s "
        f"({ceiling['failures']} errors)"
    )
    completed = results["completed"] or 1
    cpu = per_journey_cpu(completed)
    statements = per_journey_statements(completed)
    mail_p95 = percentile(results["mail_ms"], 95)
    name = os.environ.get("RUSH_BENCH_NAME", "rush")
    print(
        f"BENCH {name} journeys_per_s={results['completed'] / span:.2f} req_per_s={requests / span:.1f} "
        f"p50_ms={p50:.0f} p95_ms={p95:.0f} p99_ms={p99:.0f} errors={request_errors + other_failures} "
        f"completed={results['completed']} registered={registered} ceiling_req_per_s={ceiling_rps:.0f} "
        f"cpu_ms_per_journey={cpu:.0f} statements_per_journey={statements:.0f} "
        f"login_email_p50_ms={percentile(results['mail_ms'], 50):.0f} login_email_p95_ms={mail_p95:.0f}"
    )


def per_journey_cpu(completed: int) -> float:
    """Prints CPU milliseconds per completed journey by process kind; returns all but the load
    generator's (RUSH_CPU: the snapshots before and after, and the load generator's own,
    bench/rush/cpu.py)."""
    files = os.environ.get("RUSH_CPU", "").split(",")
    if len(files) != 3 or not all(Path(f).exists() for f in files):
        return 0.0
    before, after, load = (json.loads(Path(f).read_text()) for f in files)
    spent = {kind: (after[kind] - before.get(kind, 0.0)) * 1000 / completed for kind in after}
    spent["load"] = load["load"] * 1000 / completed  # the load generator ran as a child of its own
    print("\nCPU per completed journey (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in spent.items()))
    return sum(v for k, v in spent.items() if k != "load")


def per_journey_statements(completed: int) -> float:
    """Prints SQL statements per completed journey by process role and kind; returns the web's
    (RUSH_STATEMENTS: the totals before and after, bench/rush/statements.py)."""
    files = os.environ.get("RUSH_STATEMENTS", "").split(",")
    if len(files) != 2 or not all(Path(f).exists() for f in files):
        return 0.0
    before, after = (json.loads(Path(f).read_text()) for f in files)
    web = 0.0
    for role in sorted(after):
        kinds = {k: (n - before.get(role, {}).get(k, 0)) / completed for k, n in after[role].items()}
        shown = ", ".join(f"{k} {v:.1f}" for k, v in sorted(kinds.items()))
        print(f"statements per journey, {role}: {shown}")
        if role == "web":
            web = sum(kinds.values())
    return web


if __name__ == "__main__":
    main()
