# ruff: noqa: F811 - fixtures imported from the payments tests are used as arguments
"""What each event says, made once per event at its first attempt."""

import json

import pytest
from django.utils import timezone

from matricule.webhooks import payloads
from matricule.webhooks.models import Delivery
from tests.payments.conftest import awaiting  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_body_is_type_timestamp_and_data_with_the_facts_of_the_event(awaiting, subscribe, emit):
    subscription = subscribe(["registration.submitted"])
    moment = timezone.now()
    delivery = Delivery.objects.create(
        subscription=subscription,
        webhook_id="msg_x",
        event_type="registration.submitted",
        event_key="k",
        object_type="registration.registration",
        object_id=str(awaiting.pk),
        facts={"previous_state": "draft"},
        occurred_at=moment,
    )
    body = json.loads(payloads.render(delivery))
    assert body["type"] == "registration.submitted"
    assert body["timestamp"] == moment.isoformat()
    assert body["data"]["previous_state"] == "draft"
    # Made after the commit: the registration as the transaction left it.
    assert body["data"]["registration"]["state"] == "awaiting_payment"
    assert body["data"]["registration"]["student"]["ine"] == payloads.ine_of(awaiting)


def test_the_body_is_made_once_for_every_delivery_of_the_event(subscribe, emit, api_client, student):
    subscribe(["student.updated"])
    subscribe(["student.updated"], client=api_client("Library", all_components=True))
    first, second = emit()
    body = payloads.body_of(first)
    Delivery.objects.filter(pk=second.pk).update(facts={"changed": ["something else"]})
    second.refresh_from_db()
    assert payloads.body_of(second) == body  # stored with the first, not made again
    assert json.loads(body)["data"] == {
        "student": {"id": student.pk, "student_number": "26999999", "ine": None},
        "changed": ["last_name"],
    }


def test_the_ine_is_the_one_typed_else_the_admission_s(awaiting):
    awaiting.cleaned["ine"] = {"has_ine": "yes", "ine": "1234567890A"}
    assert payloads.ine_of(awaiting) == "1234567890A"
    awaiting.cleaned.pop("ine")
    assert payloads.ine_of(awaiting) == (awaiting.candidate.ine or "")


def test_a_payment_payload_has_amounts_in_cents_and_currency(awaiting):
    from matricule.payments.models import Payment

    payment = Payment.objects.create(
        registration=awaiting, reference="P1", gateway="manual", amount_cents=17500, fee_key="k"
    )
    data = payloads.payment_data(payment)
    assert data["amount_cents"] == 17500 and data["currency"] == "EUR" and data["state"] == payment.status
