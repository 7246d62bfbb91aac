"""The back-office layout's navigation and the signed-in staff member's identity."""

import json

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from matricule.backoffice import event_labels
from matricule.backoffice.audit_log import may_read_audit
from matricule.institution.templatetags.matricule_format import euros

register = template.Library()


def localized_path(path: str) -> str:
    """A back-office path in the current language (French at the root, others prefixed)."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return path if language == settings.LANGUAGE_CODE else f"/{language}{path}"


@register.simple_tag(takes_context=True)
def nav_link(context, path: str, label: str, exact: bool = False, unless: str = ""):
    """A navigation link, marked as the current page when the page is (under) its path, and not
    under `unless` (a section of its own inside it)."""
    href = localized_path(path)
    request = context.get("request")
    current = request is not None and (request.path == href if exact else request.path.startswith(href))
    if current and unless and request.path.startswith(localized_path(unless)):
        current = False
    if current:
        return format_html('<a href="{}" aria-current="page">{}</a>', href, label)
    return format_html('<a href="{}">{}</a>', href, label)


@register.simple_tag(takes_context=True)
def staff_identity(context) -> dict:
    """Name, components and rights of the signed-in staff member (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = (
        []
        if user.is_superuser
        else list(user.memberships.select_related("component").order_by("component__name"))
    )
    return {
        "name": user.get_full_name() or user.get_username(),
        "administrator": user.is_superuser,
        "memberships": memberships,
        "audit": may_read_audit(user),
    }


@register.filter
def event_data(data) -> list[tuple[str, str]]:
    """An audit event's data as (key, value) pairs: amounts in cents as euros, other values
    as compact JSON when not text."""
    if not isinstance(data, dict):
        return [("", json.dumps(data, ensure_ascii=False))] if data else []

    def shown(key, value):
        if key.endswith("_cents") and isinstance(value, int):
            return euros(value)
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return [(key, shown(key, value)) for key, value in sorted(data.items())]


@register.filter
def event_label(event) -> str:
    return event_labels.label(event.action)


@register.filter
def event_summary(event) -> str:
    return event_labels.summary(event.action, event.data)
