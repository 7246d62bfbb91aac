"""What each event says: its JSON body, `{"type", "timestamp", "data"}`.

A body is made at the first attempt of the first delivery of its event (after the business
transaction committed), from the object as it then is and the facts written with the event (its
previous state, the refund, the decision...), and kept for every delivery of the event and every
attempt. Payloads carry identifiers and the few fields a receiver acts on; names, addresses and
the rest are read from the REST API with the client's own token and scopes."""

import json

from django.apps import apps

from matricule.institution import reference
from matricule.registration.models import Registration, State, Student

from .models import Delivery

# Registrations whose students the receivers know of (a draft is nobody's business yet).
ANNOUNCED_STATES = [s for s in State.values if s not in (State.DRAFT, State.CANCELLED)]


def registration_data(registration: Registration) -> dict:
    stage = reference.stage(registration.stage_id)
    return {
        "id": registration.pk,
        "state": registration.state,
        "kind": registration.kind,
        "academic_year": reference.academic_year(registration.academic_year_id).code,
        "stage": stage.code,
        "component": stage.programme.component.code,
        "student": student_data(registration.student, ine_of(registration)),
    }


def ine_of(registration: Registration) -> str:
    typed = (registration.cleaned.get("ine") or {}).get("ine") or ""
    if typed or not registration.candidate_id:
        return typed
    return registration.candidate.ine or ""


def student_data(student: Student, ine: str) -> dict:
    return {"id": student.pk, "student_number": student.student_number or None, "ine": ine or None}


def payment_data(payment) -> dict:
    return {
        "id": payment.pk,
        "reference": payment.reference,
        "state": payment.status,
        "amount_cents": payment.amount_cents,
        "paid_cents": payment.paid_cents,
        "refunded_cents": payment.refunded_cents,
        "currency": payment.currency,
        "instalment": payment.instalment,
        "instalment_count": payment.instalment_count,
    }


def request_data(student_request) -> dict:
    return {"id": student_request.pk, "kind": student_request.kind, "state": student_request.state}


# --- Per event: its data from the object and the facts -------------------------------------------


def _registration(registration, facts) -> dict:
    return {"registration": registration_data(registration), **facts}


def _payment(payment, facts) -> dict:
    return {
        "payment": payment_data(payment),
        **facts,
        "registration": registration_data(payment.registration),
    }


def _certificate(document, facts) -> dict:
    return {
        "certificate": {
            "id": document.pk,
            "serial": document.serial,
            "language": document.language,
            "issued_at": document.issued_at.isoformat(),
            "signed": document.signed,
        },
        "registration": registration_data(document.registration),
    }


def _request(student_request, facts) -> dict:
    return {
        "request": request_data(student_request),
        **facts,
        "registration": registration_data(student_request.registration),
    }


def _student(student, facts) -> dict:
    latest = Registration.objects.filter(student=student, state__in=ANNOUNCED_STATES).order_by("-pk").first()
    return {"student": student_data(student, ine_of(latest) if latest else ""), **facts}


RENDERERS = {
    "registration.submitted": _registration,
    "registration.registered": _registration,
    "registration.cancelled": _registration,
    "payment.confirmed": _payment,
    "payment.refunded": _payment,
    "documents.completed": _registration,
    "certificate.issued": _certificate,
    "request.filed": _request,
    "request.decided": _request,
    "student.updated": _student,
}


def render(delivery: Delivery) -> str:
    """The body of the delivery's event (compact JSON, UTF-8 as it is)."""
    obj = apps.get_model(delivery.object_type).objects.get(pk=delivery.object_id)
    data = RENDERERS[delivery.event_type](obj, dict(delivery.facts))
    payload = {"type": delivery.event_type, "timestamp": delivery.occurred_at.isoformat(), "data": data}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def body_of(delivery: Delivery) -> str:
    """The body of the delivery: made once per event, whichever of its deliveries is sent first;
    a sender that made it too late (another was first) takes the one stored."""
    if delivery.body:
        return delivery.body
    body = render(delivery)
    Delivery.objects.filter(event_key=delivery.event_key, body="").update(body=body)
    delivery.body = Delivery.objects.filter(pk=delivery.pk).values_list("body", flat=True).get()
    return delivery.body
