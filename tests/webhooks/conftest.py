"""Fixtures of the webhooks tests: API clients with subscriptions, and a real receiver on
127.0.0.1 (an http.server thread) that records what it gets and answers from a script."""

import json
import threading
from http.server import ThreadingHTTPServer

import pytest

from matricule.api.models import ApiClient
from matricule.webhooks.models import Subscription
from tests.loopback import FakeHandler, serving


class Receiver(ThreadingHTTPServer):
    """Answers each POST with the next status of `script` (then 200), and keeps what came."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.script: list[int] = []
        self.received: list[dict] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"

    def accepted(self) -> list[dict]:
        return [r for r in self.received if 200 <= r["status"] < 300]

    def payloads(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.accepted()]


class ReceiverHandler(FakeHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            status = self.server.script.pop(0) if self.server.script else 200
            self.server.received.append(
                {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "status": status}
            )
        self.send(status, b'{"ok": true}' if status < 300 else b"nope")


@pytest.fixture
def receiver(monkeypatch):
    with serving(Receiver(), monkeypatch) as server:
        yield server


@pytest.fixture
def api_client(demo):
    """make(name, components=(codes), all_components=False) -> an active API client."""
    from matricule.institution.models import Component

    def make(name="ENT", components=(), all_components=False):
        client = ApiClient(
            name=name, owner_email=f"{name.lower()}@univ.example", all_components=all_components
        )
        client.new_token()
        client.save()
        client.components.set(Component.objects.filter(code__in=components))
        return client

    return make


@pytest.fixture
def subscribe(api_client, receiver):
    """subscribe(events, client=None, url=None) -> a subscription (to the receiver by default; the
    client by default sees every component)."""

    def make(events, client=None, url=None):
        client = client or api_client("Central", all_components=True)
        return Subscription.objects.create(client=client, url=url or receiver.url, events=list(events))

    return make


@pytest.fixture
def student(db):
    """A student with a number (the object of `student.updated` events)."""
    from django.contrib.auth import get_user_model

    from matricule.registration.models import Student

    user = get_user_model().objects.create_user("etudiant.webhooks")
    return Student.objects.create(user=user, student_number="26999999")


@pytest.fixture
def emit(student):
    """emit(n=1) -> the deliveries of n `student.updated` events, to every subscription wanting
    them (with `immediate_tasks` and the commit callbacks run, sent at once)."""
    from django.utils import timezone

    from matricule.webhooks import events

    def make(n=1):
        made = []
        for _ in range(n):
            made += events.emit("student.updated", student, {"changed": ["last_name"]}, [], timezone.now())
        return made

    return make
