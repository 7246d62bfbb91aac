from django.db import models

from .models import Event


def record(action: str, *, actor=None, obj: models.Model | None = None, **data) -> Event:
    """Append an audit event; `action` is a dotted code such as `institution.window.changed`."""
    return Event.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
    )
