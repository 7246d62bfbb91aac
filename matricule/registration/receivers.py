"""How registration plugs itself into the apps below it, at start-up: they learn of
registrations through these callbacks, never by importing this app."""

from django.conf import settings
from django.utils import translation

from matricule.accounts import activation
from matricule.institution import reference

from .models import Registration, State, registration_registered


def component_of(obj) -> int | None:
    """For the audit trail: a registration, or an object of one (payment, document, request...),
    belongs to the component of the registration's stage."""
    if obj._meta.label_lower == "registration.registration":
        stage_id = obj.stage_id
    else:
        registration_id = getattr(obj, "registration_id", None)
        if not registration_id:
            return None
        registration = obj._state.fields_cache.get("registration")
        if registration is None:
            stage_id = (
                Registration.objects.filter(pk=registration_id).values_list("stage_id", flat=True).first()
            )
        else:
            stage_id = registration.stage_id
    return reference.stage(stage_id).programme.component_id if stage_id else None


def registered_registration(user):
    """The person's latest registration in state "registered", or None: who may activate an
    account, and where the activation link goes."""
    return (
        Registration.objects.filter(student__user_id=user.pk, state=State.REGISTERED)
        .select_related("academic_year")
        .order_by("-registered_at", "-pk")
        .first()
    )


def send_activation(sender, registration, **kwargs):
    from .tasks import offer_activation

    # Sent after the commit already: the checks and the limit are the worker's work.
    language = translation.get_language() or settings.LANGUAGE_CODE
    offer_activation.enqueue(registration.student_id, language)


def connect() -> None:
    activation.set_registration_lookup(registered_registration)
    registration_registered.connect(send_activation, weak=False, dispatch_uid="accounts.send_activation")
