"""A gate's configuration changed from the administration, audited and read again at once; its
places and line emptied after a rehearsal."""

from matricule.audit.models import Event
from matricule.waitingroom import gate as gates
from matricule.waitingroom import services
from matricule.waitingroom.models import Gate


def test_a_new_gate_and_its_changes_are_recorded_and_in_force_at_once(window, administrator):
    assert gates.active_gate() is None
    gate = services.save_gate(
        Gate(window=window, enabled=True, capacity=3), actor=administrator, changed=["enabled", "capacity"]
    )
    assert gates.active_gate().capacity == 3
    gate.capacity = 40
    services.save_gate(gate, actor=administrator, changed=["capacity"])
    assert gates.active_gate().capacity == 40

    events = Event.objects.filter(action__startswith="waitingroom.gate.").order_by("pk")
    assert [(e.action, e.actor, e.object_id, e.data) for e in events] == [
        (
            "waitingroom.gate.created",
            administrator,
            str(gate.pk),
            {"fields": ["capacity", "enabled"], "enabled": True, "capacity": 3, "idle_minutes": 15},
        ),
        (
            "waitingroom.gate.changed",
            administrator,
            str(gate.pk),
            {"fields": ["capacity"], "enabled": True, "capacity": 40, "idle_minutes": 15},
        ),
    ]


def test_reset_empties_the_places_and_is_recorded(make_gate, administrator):
    gate = make_gate(capacity=2)
    config = gates.active_gate()
    assert gates.take_place(config, "first") is not None and gates.take_place(config, "second") is not None
    assert gates.take_place(config, "third") is None
    services.reset_queue(gate, actor=administrator)
    assert gates.occupied(config) == []
    assert gates.take_place(config, "third") is not None
    assert Event.objects.get(action="waitingroom.gate.reset").actor == administrator
