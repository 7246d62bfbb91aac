import time
import uuid

import pytest

from matricule.waitingroom import gate as gates

GATE_MIDDLEWARE = "matricule.waitingroom.middleware.GateMiddleware"


class Clock:
    """One clock for the gate and the cache's expiries, moved by the tests."""

    def __init__(self):
        self.t = time.time()

    def time(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(gates, "now", clock.time)
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)
    return clock


@pytest.fixture(autouse=True)
def gate_settings(settings, clock):
    """The gate installed as the lead's settings will have it, on a cache of the test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"waitingroom-{uuid.uuid4()}",
        }
    }
    middleware = list(settings.MIDDLEWARE)
    if GATE_MIDDLEWARE not in middleware:
        middleware.insert(
            middleware.index("matricule.accounts.sessionuser.AuthenticationMiddleware") + 1, GATE_MIDDLEWARE
        )
    settings.MIDDLEWARE = middleware
    settings.WAITINGROOM_REFRESH_SECONDS = 5
    settings.WAITINGROOM_GRACE_SECONDS = 10
    settings.LANGUAGE_CODE = "fr"
    gates.forget_configuration()
    yield settings
    gates.forget_configuration()


@pytest.fixture
def window(demo):
    from matricule.institution.models import Population, RegistrationWindow

    return RegistrationWindow.objects.get(
        academic_year=demo.current_year, population=Population.FIRST_MAIN, components__isnull=True
    )


@pytest.fixture
def make_gate(window):
    from matricule.waitingroom.models import Gate

    def make(**fields):
        values = {"enabled": True, "capacity": 2, "idle_minutes": 5, **fields}
        gate, _created = Gate.objects.update_or_create(window=window, defaults=values)
        gates.forget_configuration()
        return gate

    return make


@pytest.fixture
def browsers(db):
    """Fresh browsers (cookie jars), as many as a test asks for."""
    from django.test import Client

    def make(count):
        return [Client() for _ in range(count)]

    return make


def is_waiting(response) -> bool:
    return "X-Matricule-Queue" in response


def position(response) -> str:
    return response["X-Matricule-Queue"]
