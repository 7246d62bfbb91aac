"""Which business changes become webhook events, and the deliveries written for them in the
transaction of the change.

The audit trail calls `on_audit_event` with every event it records, inside the caller's
transaction: an action that is no webhook event costs one dict lookup and no query; one that is
costs one query for the subscriptions that want it and may see its component and, when there are
some, one insert of their deliveries. Their sending is queued once the transaction commits
(nothing goes out for a change rolled back); the body is made at the first attempt
(payloads.py)."""

import functools
import uuid
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from matricule import generations
from matricule.institution import reference
from matricule.registration.models import Registration, Student

from .models import SUBSCRIPTIONS_KEY, Delivery, Subscription
from .payloads import ANNOUNCED_STATES
from .signing import new_webhook_id
from .tasks import hand_over

# A student's identity as receivers know it: a change of any of these is `student.updated`.
STUDENT_FIELDS = ("last_name", "first_names", "sex", "birth_date", "student_number")

# --- From audit actions to events ---------------------------------------------------------------
# Each handler gets the audit event and its object and returns the events to send: their type,
# the object they are about and the facts of the change (kept as they were at the event).

Events = list[tuple[str, object, dict]]


def _registration_moved(event, registration) -> Events:
    kind = event.action.removeprefix("registration.")
    return [(f"registration.{kind}", registration, {"previous_state": event.data.get("previous")})]


def _payment_confirmed(event, payment) -> Events:
    return [("payment.confirmed", payment, {})]


def _payment_refunded(event, payment) -> Events:
    # The refund itself, as it was: a later refund changes the payment, not this event.
    full = payment.status == payment.Status.REFUNDED
    return [
        (
            "payment.refunded",
            payment,
            {"refund": {"amount_cents": event.data.get("amount_cents"), "full": full}},
        )
    ]


def _documents_complete(event, registration) -> Events:
    return [("documents.completed", registration, {})]


def _certificate_issued(event, document) -> Events:
    return [("certificate.issued", document, {})]


def _request_filed(event, student_request) -> Events:
    return [("request.filed", student_request, {})]


def _request_decided(event, student_request) -> Events:
    decision = event.action.removeprefix("requests.")
    decided = [("request.decided", student_request, {"decision": decision})]
    if decision == "accepted" and student_request.kind == "address_change":
        # The student's contact address is now the one asked for (kept in the registration).
        student = Student(pk=student_request.student_id)
        decided.append(("student.updated", student, {"changed": ["address"]}))
    return decided


HANDLERS: dict[str, Callable[..., Events]] = {
    "registration.submitted": _registration_moved,
    "registration.registered": _registration_moved,
    "registration.cancelled": _registration_moved,
    "payments.confirmed": _payment_confirmed,
    "payments.refunded": _payment_refunded,
    "documents.complete": _documents_complete,
    "certificates.certificate.issued": _certificate_issued,
    "requests.filed": _request_filed,
    "requests.accepted": _request_decided,
    "requests.refused": _request_decided,
}


def on_audit_event(event, obj) -> None:
    """The audit trail's listener (registered in apps.py)."""
    handler = HANDLERS.get(event.action)
    if handler is None or obj is None:
        return
    components = [event.component_id] if event.component_id else []
    for event_type, about, facts in handler(event, obj):
        emit(event_type, about, facts, components, event.created_at)


# --- A student's identity changed -----------------------------------------------------------------


def remember_student_changes(sender, instance: Student, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save of Student: which watched fields this save really changes (one query, only when
    the save writes some of them)."""
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = [name for name in STUDENT_FIELDS if update_fields is None or name in update_fields]
    if not fields:
        return
    before = Student.objects.filter(pk=instance.pk).values(*fields).first()
    if before is not None:
        instance._webhook_changes = [name for name in fields if before[name] != getattr(instance, name)]


def announce_student_changes(sender, instance: Student, created=False, raw=False, **kwargs) -> None:
    """post_save of Student: `student.updated` for the clients that see a component where the
    student has a registration past the draft (nobody is told of a draft's student)."""
    changed = instance.__dict__.pop("_webhook_changes", None)
    if created or raw or not changed:
        return
    stage_ids = set(
        Registration.objects.filter(student=instance, state__in=ANNOUNCED_STATES).values_list(
            "stage_id", flat=True
        )
    )
    if stage_ids:
        components = {reference.stage(pk).programme.component_id for pk in stage_ids}
        emit("student.updated", instance, {"changed": changed}, components, timezone.now())


# --- Deliveries -----------------------------------------------------------------------------------


def _subscription_table() -> list[tuple[int, frozenset, bool, frozenset]]:
    """Every active subscription of an active client: (pk, events wanted, sees every component,
    the components it sees). One query (a row per component seen); kept in the shared cache
    between changes."""
    rows = Subscription.objects.filter(is_active=True, client__is_active=True).values_list(
        "pk", "events", "client__all_components", "client__components"
    )
    table: dict[int, tuple] = {}
    for pk, events, all_components, component in rows:
        _events, _all, seen = table.setdefault(pk, (frozenset(events or ()), all_components, set()))
        if component is not None:
            seen.add(component)
    return [
        (pk, events, all_components, frozenset(seen)) for pk, (events, all_components, seen) in table.items()
    ]


def subscribers(event_type: str, components: Iterable[int]) -> list[int]:
    """The active subscriptions (of active clients) that want `event_type` and whose client sees
    one of `components` (or every component). The table is small and read on every mapped
    business change: with a shared cache it is kept there (matricule/generations.py) and a change
    of a subscription or a client is seen at once; else two queries."""
    components = set(components)
    table = generations.cached(SUBSCRIPTIONS_KEY, _subscription_table)
    return sorted(
        pk
        for pk, events, all_components, seen in table
        if event_type in events and (all_components or seen & components)
    )


def emit(event_type: str, about, facts: dict, components: Iterable[int], occurred_at) -> list[Delivery]:
    """One delivery per subscription wanting the event, written in the caller's transaction;
    each is handed to the task queue once it commits."""
    wanted = subscribers(event_type, components)
    if not wanted:
        return []
    key = uuid.uuid4().hex
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=pk,
                webhook_id=new_webhook_id(),
                event_type=event_type,
                event_key=key,
                object_type=about._meta.label_lower,
                object_id=str(about.pk),
                facts=facts,
                occurred_at=occurred_at,
            )
            for pk in wanted
        ]
    )
    for delivery in deliveries:
        transaction.on_commit(functools.partial(hand_over, delivery.pk))
    return deliveries
