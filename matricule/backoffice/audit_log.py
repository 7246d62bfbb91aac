"""Reading the audit log (filters, pages of 50 newest first) and purging it after the
retention period.

Pages are keyset pages on the event id (ids grow with time): a page costs the same on the
millionth event as on the first, and no COUNT of the whole table is needed."""

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matricule.accounts.models import ComponentMembership
from matricule.accounts.staff import component_ids
from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.institution.models import Component

PAGE_SIZE = 50
DEFAULT_RETENTION_DAYS = 3650
PURGE_BATCH = 5000


def may_read_audit(user) -> bool:
    """Administrators and read-only auditors (of any component)."""
    return user.is_superuser or bool(component_ids(user, roles=[ComponentMembership.Role.AUDITOR]))


def readable_components(user) -> set[int] | None:
    """The components whose events the user may read; None: every event (administrators).
    An auditor of a component reads the events of its registrations, candidates, payments,
    documents and requests, not those of other components nor those of no component."""
    if user.is_superuser:
        return None
    return component_ids(user, roles=[ComponentMembership.Role.AUDITOR])


def _text_filter(label, max_length: int, help_text="") -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length, help_text=help_text)


def _date_filter(label) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class AuditFilterForm(forms.Form):
    """The audit log's filters, each optional: what happened (a family or one kind of event,
    from a list), who did it, in which component, when; the object's type and id for the rest."""

    action = forms.ChoiceField(label=_("Kind of event"), required=False)
    actor = _text_filter(
        _("Person who acted"), 150, help_text=_("Username, or last name (part of it is enough).")
    )
    component = forms.ChoiceField(label=_("Component"), required=False)
    date_from = _date_filter(_("From (date)"))
    date_to = _date_filter(_("To (date, included)"))
    object_type = _text_filter(_("Object type"), 100, help_text=_("For example: registration.registration"))
    object_id = _text_filter(_("Object id"), 64)

    def __init__(self, *args, components=None, **kwargs):
        """`components`: the ids of the components the reader may read (None: all)."""
        from .event_labels import action_choices

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = action_choices()
        readable = Component.objects.order_by("name")
        if components is not None:
            readable = readable.filter(pk__in=components)
        self.fields["component"].choices = [("", _("Every component"))] + [
            (str(component.pk), component.name) for component in readable
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def filtered_events(filters: dict, components: set[int] | None = None):
    events = Event.objects.all() if components is None else Event.objects.filter(component__in=components)
    action = (filters.get("action") or "").strip()
    if action:
        # A family ends with a dot and takes every code under it; anything else is one code.
        events = (
            events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
        )
    if filters.get("actor"):
        person = filters["actor"].strip()
        events = events.filter(Q(actor__username__iexact=person) | Q(actor__last_name__icontains=person))
    if filters.get("component"):
        events = events.filter(component_id=int(filters["component"]))
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"].strip().lower())
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"].strip())
    if filters.get("date_from"):
        events = events.filter(created_at__gte=_local_midnight(filters["date_from"]))
    if filters.get("date_to"):
        end = _local_midnight(filters["date_to"] + datetime.timedelta(days=1))
        events = events.filter(created_at__lt=end)
    return events


@dataclass
class EventPage:
    events: list[Event]
    older: int | None  # `before` for the next (older) page
    newer: int | None  # `after` for the previous (newer) page
    is_first: bool


def event_page(
    filters: dict, *, before: int | None = None, after: int | None = None, components: set[int] | None = None
) -> EventPage:
    """Up to PAGE_SIZE events, newest first, older than `before` or newer than `after`; only
    those of `components` when given."""
    events = filtered_events(filters, components).select_related("actor")
    if after is not None:
        # The page just above: the PAGE_SIZE events following `after`, read upwards.
        rows = list(events.filter(pk__gt=after).order_by("pk")[: PAGE_SIZE + 1])
        has_newer = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        has_older = True
    else:
        if before is not None:
            events = events.filter(pk__lt=before)
        rows = list(events.order_by("-pk")[: PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = before is not None
    return EventPage(
        events=rows,
        older=rows[-1].pk if rows and has_older else None,
        newer=rows[0].pk if rows and has_newer else None,
        is_first=not has_newer,
    )


def retention_days() -> int:
    return int(getattr(settings, "MATRICULE_AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_events(days: int, *, now: datetime.datetime | None = None) -> int:
    """Delete the events older than `days` days, in batches (short transactions, no long
    lock on a large table), then record the purge itself. The only way events are deleted."""
    if days < 1:
        raise ValueError("The retention period must be at least one day.")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                Event.objects.filter(created_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH]
            )
            if not batch:
                break
            count, _ = Event.objects.filter(pk__in=batch).delete()
            deleted += count
    record("audit.purged", count=deleted, retention_days=days, older_than=cutoff.isoformat())
    return deleted
