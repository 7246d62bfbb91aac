"""Audit events are append-only."""

import pytest

from matricule.audit.models import Event


@pytest.mark.django_db
def test_an_event_once_recorded_is_never_changed():
    event = Event.objects.create(action="accounts.login", data={"method": "password"})
    event.action = "accounts.logout"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert Event.objects.get(pk=event.pk).action == "accounts.login"
