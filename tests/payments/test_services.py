"""Whatever a gateway sends, in whatever order, a payment is confirmed at most once."""

import datetime
import itertools
import threading
import urllib.parse

import pytest
from django.core import mail
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matricule.admissions.models import Candidate
from matricule.institution.models import Stage
from matricule.payments import services
from matricule.payments.models import Payment
from matricule.payments.simulator.gateway import signed
from matricule.registration.models import State

from .conftest import submitted_registration

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
