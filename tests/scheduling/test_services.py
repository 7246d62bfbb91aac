"""Recurring jobs run once across workers: a job due is claimed by one worker only, then not
again before its period; one job failing stops neither the others nor the scheduler."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from matricule.scheduling import registry, services
from matricule.scheduling.models import RecurringJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(monkeypatch):
    calls = []
    monkeypatch.setattr(registry, "JOBS", {})
    registry.register("every-minute", datetime.timedelta(minutes=1), lambda: calls.append("minute"))
    registry.register("hourly", datetime.timedelta(hours=1), lambda: calls.append("hour"))
    return calls


def test_a_job_runs_when_due_and_not_again_before_its_period(jobs):
    with time_machine.travel("2026-09-01 08:00:00Z", tick=False):
        assert sorted(services.run_due()) == ["every-minute", "hourly"]
        assert services.run_due() == []  # a second worker at the same moment: nothing left
    with time_machine.travel("2026-09-01 08:01:00Z", tick=False):
        assert services.run_due() == ["every-minute"]
    assert sorted(jobs) == ["hour", "minute", "minute"]
    row = RecurringJob.objects.get(name="hourly")
    assert row.next_run_at == datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.UTC)


def test_two_workers_claiming_the_same_moment_run_it_once(jobs):
    now = timezone.now()
    first = services.run_due(now)
    second = services.run_due(now)
    assert sorted(first) == ["every-minute", "hourly"] and second == []
    assert sorted(jobs) == ["hour", "minute"]


def test_a_failing_job_is_recorded_and_the_others_still_run(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", {})
    ran = []

    def broken():
        raise RuntimeError("gateway down")

    registry.register("broken", datetime.timedelta(minutes=1), broken)
    registry.register("fine", datetime.timedelta(minutes=1), lambda: ran.append(1))
    assert sorted(services.run_due()) == ["broken", "fine"]
    assert ran == [1]
    broken_row = RecurringJob.objects.get(name="broken")
    assert "gateway down" in broken_row.last_error and broken_row.last_finished_at
    assert RecurringJob.objects.get(name="fine").last_error == ""
