"""Changes to a gate's configuration (from the administration), audited; the live state is
in `gate.py`."""

from django.db import transaction

from matricule.audit.services import record

from . import gate as gates
from .models import Gate


def save_gate(gate: Gate, *, actor, changed: list[str]) -> Gate:
    with transaction.atomic():
        created = gate.pk is None
        gate.save()
        record(
            f"waitingroom.gate.{'created' if created else 'changed'}",
            actor=actor,
            obj=gate,
            fields=sorted(changed),
            enabled=gate.enabled,
            capacity=gate.capacity,
            idle_minutes=gate.idle_minutes,
        )
    gates.forget_configuration()
    return gate


def reset_queue(gate: Gate, *, actor) -> None:
    """Forget the places and the line of a gate (after a rehearsal); students holding a place
    keep nothing and go through the gate again."""
    with transaction.atomic():
        record("waitingroom.gate.reset", actor=actor, obj=gate)
    gates.reset(gate.pk, gate.capacity)
