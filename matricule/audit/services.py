from django.db import models

from .context import current_address
from .models import Event


def record(action: str, *, actor=None, obj: models.Model | None = None, **data) -> Event:
    """Append an audit event; `action` is a dotted code such as `institution.window.changed`.
    The client address comes from the request being served, if any; the component from the
    object (see component_of)."""
    return Event.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data,
        address=current_address.get(),
        component_id=component_of(obj),
    )


def component_of(obj) -> int | None:
    """The component of a registration, a candidate, or an object of a registration (payment,
    document, request...); None for what belongs to no component (accounts, imports)."""
    from matricule.institution import reference

    if obj is None:
        return None
    if getattr(obj, "component_id", None):
        return obj.component_id
    if obj._meta.label_lower in ("registration.registration", "admissions.candidate"):
        return reference.stage(obj.stage_id).programme.component_id if obj.stage_id else None
    registration_id = getattr(obj, "registration_id", None)
    if registration_id:
        registration = obj._state.fields_cache.get("registration")
        if registration is None:
            from matricule.registration.models import Registration

            stage_id = (
                Registration.objects.filter(pk=registration_id).values_list("stage_id", flat=True).first()
            )
        else:
            stage_id = registration.stage_id
        return reference.stage(stage_id).programme.component_id if stage_id else None
    return None
