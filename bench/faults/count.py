"""After bench/faults: wait for the queues to drain, then count what the faults cost, from the
database and the mailbox (never assumed), and print the BENCH line.

    python bench/faults/count.py --results RESULTS.json --mailbox DIR [--drain SECONDS]
"""

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE.parent / "rush")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rush_settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django_tasks.base import TaskResultStatus  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from matricule.notifications.models import Email  # noqa: E402
from matricule.payments.models import Payment  # noqa: E402

UNFINISHED = [TaskResultStatus.READY, TaskResultStatus.RUNNING]


def pending() -> tuple[int, int]:
    tasks = DBTaskResult.objects.filter(status__in=UNFINISHED).count()
    emails = Email.objects.exclude(status__in=[Email.Status.SENT, Email.Status.FAILED]).count()
    return tasks, emails


def drain(seconds: float) -> None:
    """Until no task waits or runs and every email is sent (or given up), at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pending() == (0, 0):
            return
        time.sleep(1)


def duplicate_emails(mailbox: Path) -> int:
    """Messages delivered more than once: the same Message-ID, or the same recipient, subject and
    body (a duplicate made twice would have two ids)."""
    by_id, by_content = collections.Counter(), collections.Counter()
    for path in mailbox.rglob("*.txt"):
        text = path.read_text(encoding="utf-8")
        head, _, body = text.partition("\n\n")
        headers = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        recipient = path.parent.name if path.parent.name != "read" else path.parent.parent.name
        by_id[headers.get("Message-ID", str(path))] += 1
        by_content[(recipient, headers.get("Subject", ""), body)] += 1
    extra = lambda counter: sum(n - 1 for n in counter.values() if n > 1)  # noqa: E731
    return max(extra(by_id), extra(by_content))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--mailbox", required=True)
    parser.add_argument("--drain", type=float, default=180)
    args = parser.parse_args()
    drain(args.drain)
    results = json.loads(Path(args.results).read_text()) if Path(args.results).exists() else {}
    started, completed = results.get("started", 0), results.get("completed", 0)
    # Money taken twice for one fee: two payments of it with an amount paid.
    double_payments = (
        Payment.objects.filter(paid_cents__isnull=False)
        .values("fee_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    figures = {
        "journeys": started,
        "completed": completed,
        "resumed": results.get("resumed", 0),
        "lost": started - completed,
        "double_payments": double_payments,
        "duplicate_emails": duplicate_emails(Path(args.mailbox)),
        "undelivered_emails": Email.objects.exclude(status=Email.Status.SENT).count(),
        "stuck_tasks": DBTaskResult.objects.filter(status__in=UNFINISHED).count(),
    }
    # What the recovery did: tasks run again after their worker died, emails sent after a retry.
    taken_up = sum(1 for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) if len(ids) > 1)
    retried = Email.objects.filter(status=Email.Status.SENT, attempts__gt=1).count()
    print(f"tasks taken up again after their worker died: {taken_up}; emails sent after a retry: {retried}")
    failures = results.get("failures") or {}
    if failures:
        print(f"journeys that failed, by reason: {failures}")
    print(f"requests sent again after an error: {sum(results.get('errors', {}).values())}")
    print("BENCH faults " + " ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
