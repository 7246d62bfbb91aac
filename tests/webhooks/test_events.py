# ruff: noqa: F811 - fixtures imported from the other apps' tests are used as arguments
"""Each webhook event comes from the real service that makes the change, in its transaction, to
the subscriptions that want it and may see its component; the listener costs nothing for the
other audit actions."""

import json

import pytest
from django.db import transaction

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.certificates.services import issue_certificate
from matricule.payments.models import Payment
from matricule.payments.services import record_manual_payment, record_refund
from matricule.registration.services import cancel_registration
from matricule.requests import services as requests
from matricule.requests.models import Kind
from matricule.webhooks import events
from matricule.webhooks.catalogue import EVENT_TYPES
from matricule.webhooks.models import Delivery
from matricule.webhooks.payloads import body_of
from tests.certificates.conftest import complete
from tests.documents.conftest import registered  # noqa: F401
from tests.payments.conftest import awaiting, submitted_registration  # noqa: F401
from tests.requests.conftest import file_request, paid, photo  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def central(subscribe):
    """A central system (every component) subscribed to every event, before anything happens."""
    return subscribe(list(EVENT_TYPES))


def sent(event_type=None) -> list[dict]:
    """The bodies of the deliveries written so far (of one type), made as the sender makes them."""
    rows = Delivery.objects.order_by("pk")
    if event_type:
        rows = rows.filter(event_type=event_type)
    return [json.loads(body_of(delivery)) for delivery in rows]


def types() -> list[str]:
    return list(Delivery.objects.order_by("pk").values_list("event_type", flat=True))


# --- The listener's cost --------------------------------------------------------------------------


def test_an_action_that_is_no_event_costs_the_listener_no_query(django_assert_num_queries, demo):
    event = Event(action="accounts.totp.login", object_type="accounts.user", object_id="1")
    with django_assert_num_queries(0):
        events.on_audit_event(event, demo.current_year)
    with django_assert_num_queries(1):  # the audit row only
        record("accounts.totp.failed")
    assert not Delivery.objects.exists()


def test_an_event_nobody_wants_costs_one_query(django_assert_num_queries, central, demo_candidates):
    central.delete()
    event = Event(action="registration.registered", component_id=None)
    with django_assert_num_queries(1):
        events.on_audit_event(event, demo_candidates["accepted"])
    assert not Delivery.objects.exists()


# --- Each event from its service ------------------------------------------------------------------


def test_submitting_then_paying_sends_submitted_confirmed_registered(demo, demo_candidates, iut_agent):
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    assert types() == ["registration.submitted"]
    record_manual_payment(
        registration, amount_cents=registration.fee_total_cents, actor=iut_agent, note="Chèque"
    )
    registration.refresh_from_db()
    number = registration.student.student_number
    assert number and registration.state == "registered"
    assert set(types()) == {
        "registration.submitted",
        "payment.confirmed",
        "registration.registered",
        "student.updated",  # the student number, given with the registration
    }
    (registered_event,) = sent("registration.registered")
    assert registered_event["type"] == "registration.registered"
    data = registered_event["data"]
    assert data["previous_state"] == "paid"
    assert data["registration"] == {
        "id": registration.pk,
        "state": "registered",
        "kind": "first",
        "academic_year": demo.current_year.code,
        "stage": "GEII-1",
        "component": "iut-chartres",
        "student": {
            "id": registration.student_id,
            "student_number": number,
            "ine": data["registration"]["student"]["ine"],
        },
    }
    # Minimal personal data: identifiers, never the name, address or birth date.
    text = json.dumps(sent())
    assert "LEFÈVRE" not in text.upper() and "Chloé" not in text and "birth" not in text
    (payment,) = sent("payment.confirmed")
    confirmed = Payment.objects.get(registration=registration, status="confirmed")
    assert payment["data"]["payment"]["reference"] == confirmed.reference
    assert payment["data"]["payment"]["paid_cents"] == registration.fee_total_cents
    assert payment["data"]["payment"]["currency"] == "EUR"
    assert sent("student.updated")[0]["data"]["changed"] == ["student_number"]


def test_a_refund_says_whether_it_is_full_or_partial(paid, iut_agent):
    payment = paid.payments.get(status=Payment.Status.CONFIRMED)
    record_refund(payment, amount_cents=1000, actor=iut_agent, through_gateway=False)
    record_refund(payment, amount_cents=payment.paid_cents - 1000, actor=iut_agent, through_gateway=False)
    refunds = [event["data"]["refund"] for event in sent("payment.refunded")]
    assert sorted(refunds, key=lambda r: r["full"]) == [
        {"amount_cents": 1000, "full": False},
        {"amount_cents": payment.paid_cents - 1000, "full": True},
    ]


def test_cancelling_a_registration(awaiting, iut_agent):
    cancel_registration(awaiting, actor=iut_agent, reason="à la demande de l'étudiante")
    (cancelled,) = sent("registration.cancelled")
    assert cancelled["data"]["registration"]["state"] == "cancelled"
    assert cancelled["data"]["previous_state"] == "awaiting_payment"
    assert "demande" not in json.dumps(cancelled)  # the reason stays in the audit trail


def test_documents_completed_then_the_certificate_issued(registered, iut_agent):
    complete(registered, iut_agent)
    (completed,) = sent("documents.completed")
    assert completed["data"]["registration"]["id"] == registered.pk
    document = issue_certificate(registered)
    (issued,) = sent("certificate.issued")
    assert issued["data"]["certificate"]["serial"] == document.serial
    assert issued["data"]["registration"]["id"] == registered.pk
    issue_certificate(registered)  # the same certificate: not issued again, no event
    assert len(sent("certificate.issued")) == 1


def test_requests_filed_and_decided(registered, file_request, iut_agent):
    Delivery.objects.all().delete()  # those of the registration
    address = file_request(registered)
    card = file_request(registered, Kind.CARD_REISSUE, {"reason": "lost"}, [photo()])
    assert [e["data"]["request"]["kind"] for e in sent("request.filed")] == ["address_change", "card_reissue"]
    requests.refuse(card, actor=iut_agent, message="Carte retrouvée ?")
    requests.accept(address, actor=iut_agent)
    decisions = {e["data"]["request"]["id"]: e["data"]["decision"] for e in sent("request.decided")}
    assert decisions == {card.pk: "refused", address.pk: "accepted"}
    (moved,) = sent("student.updated")  # the new address is the student's contact address
    assert moved["data"] == {
        "student": {
            "id": registered.student_id,
            "student_number": registered.student.student_number,
            "ine": moved["data"]["student"]["ine"],
        },
        "changed": ["address"],
    }


def test_a_student_s_identity_changed(registered):
    student = registered.student
    Delivery.objects.all().delete()
    student.save()  # nothing changed
    student.first_names = "Chloé Marie"
    student.save()
    student.save(update_fields=["sex"])  # written, not changed
    (updated,) = sent("student.updated")
    assert updated["data"]["changed"] == ["first_names"]
    assert updated["data"]["student"]["student_number"] == student.student_number


def test_nobody_hears_of_a_student_whose_registration_is_a_draft(demo_candidates):
    from matricule.accounts.admission_login import user_for_candidate
    from matricule.registration.services import start_registration

    registration = start_registration(
        demo_candidates["accepted"], user=user_for_candidate(demo_candidates["accepted"])
    )
    student = registration.student
    student.last_name = "AUTRE"
    student.save()
    assert not Delivery.objects.exists()


# --- Who gets what --------------------------------------------------------------------------------


def test_a_client_hears_only_of_its_components(registered, api_client, subscribe, iut_agent):
    chartres = subscribe(["documents.completed"], client=api_client("Chartres", components=["iut-chartres"]))
    orleans = subscribe(["documents.completed"], client=api_client("Orleans", components=["iut-orleans"]))
    elsewhere = subscribe(["registration.cancelled"], client=api_client("Other", components=["iut-chartres"]))
    complete(registered, iut_agent)
    wanted = set(
        Delivery.objects.filter(event_type="documents.completed").values_list("subscription", flat=True)
    )
    assert chartres.pk in wanted and orleans.pk not in wanted and elsewhere.pk not in wanted


def test_disabled_subscriptions_and_revoked_clients_hear_nothing(
    central, demo, demo_candidates, subscribe, api_client
):
    revoked = api_client("Revoked", all_components=True)
    subscribe(["registration.submitted"], client=revoked)
    revoked.revoke()
    central.is_active = False
    central.save()
    submitted_registration(demo_candidates["accepted"], demo.current_year)
    assert not Delivery.objects.exists()


def test_nothing_is_written_or_sent_when_the_change_rolls_back(
    demo, demo_candidates, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submitted_registration(demo_candidates["accepted"], demo.current_year)
        assert types() == ["registration.submitted"]  # written in the transaction...
        raise RuntimeError("the business change fails")
    assert not Delivery.objects.exists() and not receiver.received  # ...and gone with it
    assert not any("hand_over" in repr(callback) for callback in callbacks)


def test_one_event_is_one_body_for_every_subscriber(demo, demo_candidates, subscribe, api_client):
    other = subscribe(["registration.submitted"], client=api_client("Library", all_components=True))
    submitted_registration(demo_candidates["accepted"], demo.current_year)
    rows = list(Delivery.objects.filter(event_type="registration.submitted"))
    assert {row.subscription_id for row in rows} >= {other.pk}
    assert len({row.webhook_id for row in rows}) == len(rows) == 2
    assert len({row.event_key for row in rows}) == 1
    assert len({body_of(row) for row in rows}) == 1


@pytest.fixture
def shared_cache(settings):
    from django.core.cache import cache

    settings.SHARED_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_with_a_shared_cache_the_subscriptions_are_read_once_and_every_change_is_seen(
    shared_cache, central, subscribe, api_client, django_assert_num_queries
):
    from matricule.institution.models import Component
    from matricule.webhooks import disabling, services

    chartres = Component.objects.get(code="iut-chartres")
    assert events.subscribers("registration.submitted", [chartres.pk]) == [central.pk]
    with django_assert_num_queries(0):
        assert events.subscribers("registration.submitted", [chartres.pk]) == [central.pk]
    # A new subscription, a client that sees a component more, a subscription disabled by an
    # update() and enabled again: each seen by the next change.
    local = subscribe(["registration.submitted"], client=api_client("Local"))
    assert events.subscribers("registration.submitted", [chartres.pk]) == [central.pk]
    local.client.components.add(chartres)
    assert events.subscribers("registration.submitted", [chartres.pk]) == sorted([central.pk, local.pk])
    disabling.disable(central, reason="down")
    assert events.subscribers("registration.submitted", [chartres.pk]) == [local.pk]
    services.enable(central, actor=None)
    assert events.subscribers("registration.submitted", [chartres.pk]) == sorted([central.pk, local.pk])
    local.client.revoke()
    assert events.subscribers("registration.submitted", [chartres.pk]) == [central.pk]
