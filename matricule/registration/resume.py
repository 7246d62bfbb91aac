"""Where a student picks up their registration: the step they were on, or its page once done."""

from django.shortcuts import redirect
from django.urls import reverse

from .steps import first_incomplete


def redirect_to_step(registration, key, namespace: str = "registration"):
    """To the step `key` (or "review"): the student's pages, or the desk's (`namespace="desk"`)."""
    if key == "review":
        return redirect(f"{namespace}:review", registration.pk)
    return redirect(f"{namespace}:step", registration.pk, key)


def resume_url(registration) -> str:
    if not registration.is_editable:
        return reverse("registration:status", args=[registration.pk])
    key = registration.current_step or first_incomplete(registration).key
    if key == "confirm":
        return reverse("registration:confirm", args=[registration.pk])
    if key == "review":
        return reverse("registration:review", args=[registration.pk])
    return reverse("registration:step", args=[registration.pk, key])
