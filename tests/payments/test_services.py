"""The payments service: the named transitions acting once, manual payments, refunds and
reconciliation; and whatever a gateway sends, in whatever order, a payment is confirmed at most once."""

import datetime
import itertools
import threading
import urllib.parse
import xml.etree.ElementTree as ET  # noqa: S405 - parses the XML we built

import pytest
from django.core import mail
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matricule.admissions.models import Candidate
from matricule.audit.models import Event
from matricule.institution.models import Stage
from matricule.payments import services, states
from matricule.payments.gateways.base import Outcome, VerifiedOutcome
from matricule.payments.models import Payment
from matricule.payments.simulator.gateway import signed
from matricule.registration.models import State

from .conftest import bank_transaction, submitted_registration
from .gateways.test_payfip import server as payfip_server  # noqa: F401 - the fake PayFiP service

EVENTS = [
    "confirm",
    "confirm",
    "fail",
    "cancel",
    "pending",
    "forged_confirm",
    "wrong_amount",
    "wrong_currency",
    "unknown_reference",
    "tampered",
]
FINAL = {"confirmed", "to_review"}
_numbers = itertools.count(1)


def new_awaiting_registration(year):
    n = next(_numbers)
    candidate = Candidate.objects.create(
        academic_year=year,
        parcoursup_number=f"9{n:08d}",
        last_name="TEST",
        first_names="Camille",
        birth_date=datetime.date(2007, 1, 1),
        email=f"camille{n}@example.org",
        parcoursup_offer_code="GEII-1",
        stage=Stage.objects.get(code="GEII-1"),
        situation="1",
        phase="principale",
    )
    from matricule.cvec.demo import seed_attestation
    from matricule.demo.seed import cvec_number

    seed_attestation(
        number=cvec_number(year, candidate),
        last_name="TEST",
        first_names="Camille",
        birth_date=candidate.birth_date,
        ine="",
        academic_year_code=year.code,
    )
    return submitted_registration(candidate, year)


def body(payment, event):
    secret = services.gateway_for("simulator").secret
    fields = {
        "reference": payment.reference,
        "amount": str(payment.amount_cents),
        "currency": "EUR",
        "status": "confirmed",
        "transaction_id": "t",
    }
    if event == "fail":
        fields["status"] = "failed"
    elif event == "cancel":
        fields["status"] = "cancelled"
    elif event == "pending":
        fields["status"] = "pending"
    elif event == "wrong_amount":
        fields["amount"] = str(payment.amount_cents - 1)
    elif event == "wrong_currency":
        fields["currency"] = "USD"
    elif event == "unknown_reference":
        fields["reference"] = "MATUNKNOWN"
    if event == "forged_confirm":
        return urllib.parse.urlencode(signed(fields, "stolen-or-guessed-key")).encode()
    data = signed(fields, secret)
    if event == "tampered":
        data["amount"] = "1"
    return urllib.parse.urlencode(data).encode()


def expected(events):
    state = "pending"
    for event in events:
        if state in FINAL or event in ("forged_confirm", "unknown_reference", "tampered", "pending"):
            continue
        state = {
            "confirm": "confirmed",
            "fail": "failed",
            "cancel": "cancelled",
            "wrong_amount": "to_review",
            "wrong_currency": "to_review",
        }[event]
    return state


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=8))
def test_any_sequence_confirms_at_most_once(
    demo, immediate_tasks, django_capture_on_commit_callbacks, events
):
    registration = new_awaiting_registration(demo.current_year)
    payment, _action = services.start_payment(registration)
    mail.outbox = []
    for event in events:
        with django_capture_on_commit_callbacks(execute=True):
            services.receive(
                "simulator", channel="server", method="POST", query="", body=body(payment, event)
            )
    payment.refresh_from_db()
    registration.refresh_from_db()
    assert payment.status == expected(events)
    confirmed = payment.status == "confirmed"
    assert Payment.objects.filter(registration=registration, status="confirmed").count() == int(confirmed)
    assert registration.state == (State.REGISTERED if confirmed else State.AWAITING_PAYMENT)
    confirmations = [m for m in mail.outbox if "confirm" in m.subject.lower()]
    assert len(confirmations) == int(confirmed)
    if not confirmed:
        assert registration.student.student_number is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_confirm_once_and_email_once(immediate_tasks):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL")
    from matricule.demo.seed import seed

    year = seed().current_year
    registration = new_awaiting_registration(year)
    payment, _action = services.start_payment(registration)
    mail.outbox = []
    notification = body(payment, "confirm")
    barrier = threading.Barrier(12)
    errors = []

    def deliver():
        try:
            barrier.wait()
            services.receive("simulator", channel="server", method="POST", query="", body=notification)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    payment.refresh_from_db()
    registration.refresh_from_db()
    assert payment.status == "confirmed" and registration.state == State.REGISTERED
    assert payment.notifications.filter(result="confirmed").count() == 1
    assert payment.notifications.filter(result="already confirmed").count() == 11
    number = registration.student.student_number
    assert len([m for m in mail.outbox if "confirm" in m.subject.lower() and number in m.body]) == 1


def outcome(payment, result, amount=None):
    return VerifiedOutcome(
        reference=payment.reference,
        outcome=result,
        amount_cents=payment.amount_cents if amount is None else amount,
        currency="EUR",
        transaction_id="t1",
    )


def deliver(payment, result, amount=None):
    services.apply_outcome(payment.gateway, outcome(payment, result, amount), channel="server")
    return payment.notifications.order_by("-pk").first().result


def test_a_confirmation_acts_once(awaiting):
    payment, _ = services.start_payment(awaiting)
    assert deliver(payment, Outcome.CONFIRMED) == "confirmed"
    again = services.confirm(payment, outcome(payment, Outcome.CONFIRMED))
    assert again.status == Payment.Status.CONFIRMED
    assert deliver(payment, Outcome.CONFIRMED) == "already confirmed"
    assert deliver(payment, Outcome.FAILED) == "ignored: confirmed"
    assert Event.objects.filter(action="payments.confirmed", object_id=str(payment.pk)).count() == 1


def test_an_attempt_told_failed_twice_is_failed_once(awaiting):
    payment, _ = services.start_payment(awaiting)
    assert deliver(payment, Outcome.FAILED) == "failed"
    assert deliver(payment, Outcome.FAILED) == "already failed"
    assert deliver(payment, Outcome.CANCELLED) == "cancelled"  # the latest word counts
    assert deliver(payment, Outcome.PENDING) == "still pending"
    assert deliver(payment, Outcome.CONFIRMED) == "confirmed"  # a late confirmation still counts
    assert Event.objects.filter(action="payments.failed", object_id=str(payment.pk)).count() == 1


def test_a_later_instalment_that_fails_is_scheduled_again_once(awaiting):
    awaiting.academic_year.instalments = 3
    awaiting.academic_year.save()
    first, _ = services.start_payment(awaiting, instalments=True)
    deliver(first, Outcome.CONFIRMED)
    scheduled = awaiting.payments.get(status=Payment.Status.SCHEDULED, instalment=2)
    with pytest.raises(services.PaymentError):
        services.start_instalment(first)
    second, _ = services.start_instalment(scheduled)
    assert second.status == Payment.Status.PENDING
    # The bank's notification and the browser's return both say so; then a cancellation.
    for result in (Outcome.FAILED, Outcome.FAILED, Outcome.CANCELLED):
        deliver(second, result)
    assert awaiting.payments.filter(status=Payment.Status.SCHEDULED, instalment=2).count() == 1


def test_an_outcome_about_a_scheduled_instalment_changes_nothing(awaiting):
    awaiting.academic_year.instalments = 2
    awaiting.academic_year.save()
    services.start_payment(awaiting, instalments=True)
    scheduled = awaiting.payments.get(status=Payment.Status.SCHEDULED)
    assert deliver(scheduled, Outcome.CONFIRMED) == "ignored: scheduled"
    scheduled.refresh_from_db()
    assert scheduled.status == Payment.Status.SCHEDULED


def test_a_mismatch_is_held_for_review_once(awaiting):
    payment, _ = services.start_payment(awaiting)
    assert deliver(payment, Outcome.CONFIRMED, amount=100) == "to review: underpaid"
    held = services.hold_for_review(payment, outcome(payment, Outcome.CONFIRMED, 100), "underpaid")
    assert held.status == Payment.Status.TO_REVIEW and held.paid_cents == 100
    assert Event.objects.filter(action="payments.anomaly", object_id=str(payment.pk)).count() == 1
    with pytest.raises(states.TransitionError):
        services.fail(payment)


def test_refunds_follow_the_table(awaiting, iut_agent):
    payment = services.record_manual_payment(awaiting, amount_cents=17800, actor=iut_agent)
    with pytest.raises(services.PaymentError):
        services.record_refund(payment, amount_cents=0, actor=iut_agent, through_gateway=False)
    partly = services.record_refund(payment, amount_cents=800, actor=iut_agent, through_gateway=False)
    assert partly.status == Payment.Status.PARTLY_REFUNDED
    again = services.record_refund(payment, amount_cents=1000, actor=iut_agent, through_gateway=False)
    assert again.status == Payment.Status.PARTLY_REFUNDED and again.refunded_cents == 1800
    done = services.record_refund(payment, amount_cents=16000, actor=iut_agent, through_gateway=False)
    assert done.status == Payment.Status.REFUNDED
    with pytest.raises(services.PaymentError, match="nothing was paid"):
        services.record_refund(payment, amount_cents=1, actor=iut_agent, through_gateway=False)


def test_reconciliation_asks_the_bank_about_old_pending_payments(client, awaiting):
    import datetime

    payment, _ = services.start_payment(awaiting)
    bank_transaction(payment)
    assert services.reconcile().looked_up == 0  # too recent
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - datetime.timedelta(minutes=10)
    )
    assert services.reconcile().looked_up == 1
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and awaiting.state == State.REGISTERED


def test_manual_payment_and_refund_are_audited(awaiting, iut_agent):
    from matricule.audit.models import Event

    payment = services.record_manual_payment(
        awaiting, amount_cents=17800, actor=iut_agent, note="Chèque à l'accueil"
    )
    assert payment.manual and payment.status == Payment.Status.CONFIRMED
    awaiting.refresh_from_db()
    assert awaiting.state == State.REGISTERED
    refunded = services.record_refund(payment, amount_cents=5000, actor=iut_agent, through_gateway=False)
    assert refunded.status == Payment.Status.PARTLY_REFUNDED and refunded.refunded_cents == 5000
    with pytest.raises(services.PaymentError):
        services.record_refund(payment, amount_cents=20000, actor=iut_agent, through_gateway=False)
    actors = set(
        Event.objects.filter(action__in=["payments.manual", "payments.refunded"]).values_list(
            "actor", flat=True
        )
    )
    assert actors == {iut_agent.pk}


def test_a_confirmation_without_an_amount_is_held_for_review_never_confirmed(awaiting):
    payment, _ = services.start_payment(awaiting)
    no_amount = VerifiedOutcome(
        reference=payment.reference,
        outcome=Outcome.CONFIRMED,
        amount_cents=None,
        currency="EUR",
        transaction_id="t1",
    )
    services.apply_outcome(payment.gateway, no_amount, channel="server")
    assert payment.notifications.get().result == "to review: no_amount"
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert (payment.status, payment.anomaly) == (Payment.Status.TO_REVIEW, Payment.Anomaly.NO_AMOUNT)
    assert payment.paid_cents is None and payment.confirmed_at is None
    assert awaiting.state == State.AWAITING_PAYMENT
    assert Event.objects.filter(action="payments.anomaly", object_id=str(payment.pk)).count() == 1
    assert not Event.objects.filter(action="payments.confirmed").exists()


@pytest.mark.parametrize("montant", [None, "", "dix-sept"])
def test_a_payfip_payment_paid_without_an_amount_is_held_for_review(
    client,
    settings,
    awaiting,
    payfip_server,  # noqa: F811 - the fixture imported above
    montant,
):
    settings.MATRICULE_PAYMENT_GATEWAYS = {
        **settings.MATRICULE_PAYMENT_GATEWAYS,
        "payfip": {
            "numcli": "123456",
            "saisie": "W",
            "endpoint": f"http://127.0.0.1:{payfip_server.server_port}/tpa/services/securite",
        },
    }
    payment, _action = services.start_payment(awaiting, gateway_code="payfip")
    payment.refresh_from_db()
    payfip_server.pay(payment.transaction_id, "P", montant=montant)
    answer = client.post(
        "/paiement/notification/payfip/",
        urllib.parse.urlencode({"idOp": payment.transaction_id}),
        content_type="application/x-www-form-urlencoded",  # as PayFiP posts it
    )
    assert answer.status_code == 200
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert (payment.status, payment.anomaly) == (Payment.Status.TO_REVIEW, Payment.Anomaly.NO_AMOUNT)
    assert awaiting.state == State.AWAITING_PAYMENT


def test_card_gateways_are_given_the_students_name_and_address_for_3ds(settings, awaiting):
    from tests.payments.gateways.test_paybox import OPTIONS

    settings.MATRICULE_PAYMENT_GATEWAYS = {**settings.MATRICULE_PAYMENT_GATEWAYS, "paybox": OPTIONS}
    _payment, action = services.start_payment(awaiting, gateway_code="paybox")
    student = awaiting.student
    assert (student.first_names, student.last_name) == ("Chloé", "LEFÈVRE")
    address = ET.fromstring(action.fields["PBX_BILLING"].encode()).find("Address")  # noqa: S314 - ours
    assert {element.tag: element.text for element in address} == {
        "FirstName": "Chloe",
        "LastName": "LEFEVRE",
        "Address1": "12 rue des Ecuyers",  # the address during the year, from the contacts step
        "ZipCode": "28000",
        "City": "Chartres",
        "CountryCode": "250",
    }
