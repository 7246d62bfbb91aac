"""The waiting rooms in the administration: set up with an audit event, emptied after a rehearsal."""

from django.urls import reverse

from matricule.audit.models import Event
from matricule.waitingroom import gate as gates
from matricule.waitingroom.models import Gate


def test_an_administrator_sets_up_a_gate_and_empties_it(client, administrator, window):
    client.force_login(administrator)
    added = client.post(
        reverse("admin:waitingroom_gate_add"),
        {"window": window.pk, "enabled": "on", "capacity": "2", "idle_minutes": "10"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    gate = Gate.objects.get(window=window)
    assert (gate.enabled, gate.capacity, gate.idle_minutes) == (True, 2, 10)
    created = Event.objects.get(action="waitingroom.gate.created")
    assert created.actor == administrator and created.data["fields"] == [
        "capacity",
        "enabled",
        "idle_minutes",
        "window",
    ]

    config = gates.active_gate()
    gates.take_place(config, "first")
    gates.take_place(config, "second")
    listing = reverse("admin:waitingroom_gate_changelist")
    assert client.get(listing).status_code == 200
    done = client.post(listing, {"action": "reset_queue", "_selected_action": [gate.pk]}, follow=True)
    assert (
        "The places and the line were emptied." in done.content.decode() or "vidées" in done.content.decode()
    )
    assert gates.occupied(config) == []
    assert Event.objects.filter(action="waitingroom.gate.reset", actor=administrator).count() == 1
