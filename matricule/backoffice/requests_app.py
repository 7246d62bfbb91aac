"""The student requests app, when it is there: the back office shows requests without
depending on the app being installed or its model existing yet."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

WAITING_STATES = ("submitted", "in_review")


def request_model():
    """The `Request` model, or None when the requests app is absent or has no model yet."""
    if not apps.is_installed("matricule.requests"):
        return None
    try:
        return apps.get_model("student_requests", "Request")
    except LookupError:
        return None


def has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
