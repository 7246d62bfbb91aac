from django.db import models

from .context import current_address
from .models import Event


def record(action: str, *, actor=None, obj: models.Model | None = None, **data) -> Event:
    """Append an audit event; `action` is a dotted code such as `institution.window.changed`.
    The client address comes from the request being served, if any."""
    return Event.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
        address=current_address.get(),
    )
