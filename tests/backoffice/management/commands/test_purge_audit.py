"""`manage.py purge_audit`: events older than the retention period go, the purge is recorded."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from matricule.audit.models import Event
from matricule.backoffice import audit_log


def event_aged(days: int, action="test.event") -> Event:
    event = Event.objects.create(action=action)
    # The model refuses updates of an event; the test ages it behind its back.
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return event


@pytest.fixture
def aged(db):
    Event.objects.all().delete()
    return {"old": [event_aged(4000), event_aged(3651)], "kept": [event_aged(3649), event_aged(1)]}


def test_deletes_only_events_past_the_default_retention(aged):
    out = io.StringIO()
    call_command("purge_audit", stdout=out)
    remaining = set(Event.objects.exclude(action="audit.purged").values_list("pk", flat=True))
    assert remaining == {e.pk for e in aged["kept"]}
    assert "2" in out.getvalue()


def test_records_its_own_event_with_the_count(aged):
    call_command("purge_audit", stdout=io.StringIO())
    purged = Event.objects.get(action="audit.purged")
    assert purged.data["count"] == 2
    assert purged.data["retention_days"] == audit_log.DEFAULT_RETENTION_DAYS


def test_retention_setting(aged, settings):
    settings.MATRICULE_AUDIT_RETENTION_DAYS = 30
    call_command("purge_audit", stdout=io.StringIO())
    remaining = set(Event.objects.exclude(action="audit.purged").values_list("pk", flat=True))
    assert remaining == {aged["kept"][1].pk}
    assert Event.objects.get(action="audit.purged").data["count"] == 3


def test_days_option_and_batches(aged, monkeypatch):
    monkeypatch.setattr(audit_log, "PURGE_BATCH", 1)
    call_command("purge_audit", "--days", "2", stdout=io.StringIO())
    assert Event.objects.get(action="audit.purged").data["count"] == 3


def test_refuses_a_period_that_would_wipe_everything(aged):
    with pytest.raises(CommandError):
        call_command("purge_audit", "--days", "0", stdout=io.StringIO())
    assert Event.objects.count() == 4


def test_events_still_refuse_updates(aged):
    event = aged["kept"][0]
    event.action = "changed"
    with pytest.raises(ValueError):
        event.save()
