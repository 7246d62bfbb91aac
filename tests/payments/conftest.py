import urllib.parse

import pytest
from django.http import QueryDict

from matricule.accounts.admission_login import user_for_candidate
from matricule.demo.seed import cvec_number
from matricule.payments.services import gateway_for
from matricule.payments.simulator.gateway import signed
from matricule.registration import services
from matricule.registration.steps import STEPS
from tests.registration.conftest import ANSWERS


@pytest.fixture(autouse=True)
def tasks_at_once(immediate_tasks):
    """Every payments test runs its tasks at once."""


def submitted_registration(candidate, year, *, grant="none"):
    """A registration filled in and submitted through the services, awaiting payment."""
    user = user_for_candidate(candidate)
    registration = services.start_registration(candidate, user=user)
    for step in STEPS:
        values = dict(ANSWERS[step.key])
        if step.key == "cvec":
            values["attestation"] = cvec_number(year, candidate)
        if step.key == "social":
            values["grant"] = grant
        data = QueryDict(mutable=True)
        data.update(values)
        form = services.save_step(registration, step.key, data, actor=user)
        assert form.is_valid(), (step.key, form.errors)
    return services.submit_registration(registration, actor=user)


@pytest.fixture
def awaiting(demo, demo_candidates):
    """Chloé's registration, submitted, owing the year's BUT fee."""
    return submitted_registration(demo_candidates["accepted"], demo.current_year)


# The simulator's side of a payment: a signed outcome, delivered to our notification address.


def secret():
    return gateway_for("simulator").secret


def outcome_fields(payment, status="confirmed", amount=None, currency="EUR", txn="t1"):
    return signed(
        {
            "reference": payment.reference,
            "amount": str(payment.amount_cents if amount is None else amount),
            "currency": currency,
            "status": status,
            "transaction_id": txn,
        },
        secret(),
    )


def notify(client, fields):
    return client.post(
        "/paiement/notification/simulator/",
        urllib.parse.urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


def bank_transaction(payment, **changes):
    """What the simulated bank keeps of a confirmed card payment of `payment` (its look-ups and
    refunds read it)."""
    from matricule.payments.models import SimulatedBankTransaction

    fields = {
        "transaction_id": "b1",
        "reference": payment.reference,
        "amount_cents": payment.amount_cents,
        "currency": "EUR",
        "status": "confirmed",
        "notify_url": "http://127.0.0.1:9/",
        "return_url": "http://x/",
    }
    return SimulatedBankTransaction.objects.create(**{**fields, **changes})


class Bank:
    """Stands for the bank's task queue: delivers the notification through the test client."""

    def __init__(self, deliver):
        self.deliver = deliver

    def enqueue(self, fields, url, delay=0):
        return self.deliver(fields)
