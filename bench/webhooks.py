"""Benchmark of webhook fan-out: N business events to three subscribers, delivered to a local
receiver.

    .venv/bin/python bench/webhooks.py [--events N]

Throwaway SQLite database in a temporary folder: migrates, seeds the demo, bulk-creates 100
registrations, subscribes three API clients (every component) to `registration.registered`,
then records N `registration.registered` audit events, each in its own transaction as the
registration service does (the listener writes the deliveries; the task queue is a dummy one, so
nothing is sent on commit), and sends them all by running the sweep in this process, as a worker's
scheduler would, to an http.server on 127.0.0.1 that answers 204. Ends with
`BENCH webhooks events=N delivered=3N time_s=…` (fan-out plus delivery).
"""

import argparse
import datetime
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import bulk_students, demo_instance

SUBSCRIBERS = 3
REGISTRATIONS = 100


class Counter(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.received += 1
            self.server.ids.add(self.headers["webhook-id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def registrations(count: int) -> list:
    from matricule.institution.models import AcademicYear, Stage
    from matricule.registration.models import Registration

    year = AcademicYear.objects.current()
    stages = list(Stage.objects.filter(level=1))
    return Registration.objects.bulk_create(
        [
            Registration(student=s, academic_year=year, stage=stages[n % len(stages)], state="registered")
            for n, s in enumerate(bulk_students(count))
        ]
    )


def subscribe(url: str) -> None:
    from matricule.api.models import ApiClient
    from matricule.webhooks.models import Subscription

    for n in range(SUBSCRIBERS):
        client = ApiClient(name=f"bench{n}", owner_email=f"bench{n}@univ.example", all_components=True)
        client.new_token()
        client.save()
        Subscription.objects.create(client=client, url=url, events=["registration.registered"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    with demo_instance():
        from django.conf import settings
        from django.db import transaction
        from django.utils import timezone

        from matricule.audit.services import record
        from matricule.webhooks import delivery
        from matricule.webhooks.models import Delivery

        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": settings.TASK_QUEUES}
        }
        server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
        server.daemon_threads = True
        server.received, server.ids, server.lock = 0, set(), threading.Lock()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        subscribe(f"http://127.0.0.1:{server.server_address[1]}/hooks")
        rows = registrations(REGISTRATIONS)

        started = time.perf_counter()
        for n in range(args.events):
            with transaction.atomic():
                record("registration.registered", obj=rows[n % len(rows)], previous="paid")
        fanned = time.perf_counter()
        count = Delivery.objects.count()
        print(f"fan-out: {args.events} events, {count} deliveries in {fanned - started:.2f} s")

        # Past the grace period left to the tasks queued on commit (none ran: dummy queue).
        later = timezone.now() + delivery.GRACE + datetime.timedelta(seconds=1)
        delivered = 0
        while True:
            sent = delivery.deliver_due(later)
            if not sent:
                break
            delivered += sent
        elapsed = time.perf_counter() - started
        print(
            f"delivery: {delivered} in {time.perf_counter() - fanned:.2f} s, receiver got {server.received}"
        )
        assert delivered == server.received == len(server.ids) == SUBSCRIBERS * args.events
        server.shutdown()
        print(f"BENCH webhooks events={args.events} delivered={delivered} time_s={elapsed:.2f}")


if __name__ == "__main__":
    main()
