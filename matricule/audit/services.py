from collections.abc import Callable

from django.db import models

from .context import current_address
from .models import Event

# How the apps above this one tell which component an object belongs to (a registration, a
# candidate, a payment of a registration...): they register a function at start-up, so the
# audit trail depends on none of them. A function answers None for objects it does not know.
ComponentResolver = Callable[[models.Model], int | None]
_component_resolvers: list[ComponentResolver] = []


def add_component_resolver(resolver: ComponentResolver) -> None:
    if resolver not in _component_resolvers:
        _component_resolvers.append(resolver)


# Apps above that act on some events (webhooks) register a listener at start-up: called with
# each new event and its object, in the caller's transaction, so what it writes commits or rolls
# back with the business change. A listener must be cheap: it runs on every event.
Listener = Callable[[Event, models.Model | None], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    component_id: int | None = None,
    **data,
) -> Event:
    """Append an audit event; `action` is a dotted code such as `institution.window.changed`.
    The client address comes from the request being served, if any; the component is the
    caller's `component_id`, else the object's own (see component_of)."""
    event = Event.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
        address=current_address.get(),
        component_id=component_id if component_id is not None else component_of(obj),
    )
    for listener in _listeners:
        listener(event, obj)
    return event


def component_of(obj) -> int | None:
    """The component of an object: its own `component_id`, else what a registered resolver
    says; None for what belongs to no component (accounts, imports)."""
    if obj is None:
        return None
    if getattr(obj, "component_id", None):
        return obj.component_id
    for resolver in _component_resolvers:
        component_id = resolver(obj)
        if component_id is not None:
            return component_id
    return None
