"""The simulator's gateway adapter: its signed-form protocol (HMAC-SHA256 over the sorted fields),
the order it starts, the notifications it accepts, and its look-ups and refunds in its own ledger."""

import urllib.parse

import pytest
from django.urls import reverse

from matricule.payments.gateways.base import InvalidNotification, Outcome, PaymentRequest
from matricule.payments.models import SimulatedBankTransaction
from matricule.payments.simulator.gateway import SimulatorGateway, sign, signed, verify

SECRET = "the-simulator-secret"
OUTCOME = {
    "reference": "MAT0123456789ABCDEF",
    "amount": "17800",
    "currency": "EUR",
    "status": "confirmed",
    "transaction_id": "t1",
}


def gateway():
    return SimulatorGateway({"secret": SECRET})


def posted(fields):
    return urllib.parse.urlencode(fields).encode()


def test_the_signature_covers_every_field_in_any_order_but_itself():
    fields = signed(OUTCOME, SECRET)
    assert fields["signature"] == sign(dict(reversed(list(OUTCOME.items()))), SECRET)
    assert sign(fields, SECRET) == fields["signature"]  # a signature field is left out
    assert len(fields["signature"]) == 64 and verify(fields, SECRET)


@pytest.mark.parametrize(
    "fields",
    [
        {**signed(OUTCOME, SECRET), "amount": "1"},  # tampered
        signed(OUTCOME, "another-secret"),  # forged
        OUTCOME,  # not signed
        {**OUTCOME, "signature": ""},
    ],
    ids=["tampered", "forged", "unsigned", "empty"],
)
def test_anything_but_our_own_signature_does_not_verify(fields):
    assert not verify(fields, SECRET)


def test_an_order_is_a_signed_form_posted_to_the_simulator_card_page():
    request = PaymentRequest(
        reference="MAT0123456789ABCDEF",
        amount_cents=17800,
        currency="EUR",
        email="chloe@example.org",
        label="Droits d'inscription 2024-2025",
        return_url="https://matricule.example/retour/",
        notify_url="https://matricule.example/notification/",
        cancel_url="https://matricule.example/annulation/",
    )
    action = gateway().start(request)
    assert (action.url, action.method) == (reverse("payment-simulator:card"), "POST")
    assert verify(action.fields, SECRET)
    assert action.fields["amount"] == "17800" and action.fields["notify_url"].endswith("/notification/")


def test_a_genuine_notification_gives_the_outcome_by_post_or_get():
    fields = signed(OUTCOME, SECRET)
    outcome = gateway().verify_notification("POST", "", posted(fields))
    assert (outcome.reference, outcome.outcome, outcome.amount_cents, outcome.currency) == (
        "MAT0123456789ABCDEF",
        Outcome.CONFIRMED,
        17800,
        "EUR",
    )
    assert outcome.transaction_id == "t1" and outcome.raw == fields
    returned = gateway().verify_notification("GET", urllib.parse.urlencode(fields), b"")
    assert returned == outcome


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({**signed(OUTCOME, SECRET), "amount": "1"}, "bad signature"),
        (signed({**OUTCOME, "status": "lost"}, SECRET), "malformed"),
        (signed({**OUTCOME, "amount": "cent"}, SECRET), "malformed"),
        (signed({key: value for key, value in OUTCOME.items() if key != "currency"}, SECRET), "malformed"),
    ],
    ids=["tampered", "unknown-status", "amount-not-a-number", "no-currency"],
)
def test_a_forged_or_malformed_notification_is_refused(fields, reason):
    with pytest.raises(InvalidNotification, match=reason):
        gateway().verify_notification("POST", "", posted(fields))


def test_a_lookup_reads_the_latest_transaction_of_the_reference_and_a_refund_is_kept(db):
    unknown = gateway().lookup("MATNOTHING")
    assert (unknown.outcome, unknown.amount_cents, unknown.currency) == (Outcome.PENDING, None, None)
    for transaction_id, status in (("b1", "failed"), ("b2", "confirmed")):
        SimulatedBankTransaction.objects.create(
            transaction_id=transaction_id,
            reference="MAT1",
            amount_cents=17800,
            currency="EUR",
            status=status,
            notify_url="http://127.0.0.1:9/",
            return_url="http://x/",
        )
    found = gateway().lookup("MAT1")
    assert (found.outcome, found.amount_cents, found.transaction_id) == (Outcome.CONFIRMED, 17800, "b2")
    refunded = gateway().refund("MAT1", 5000, transaction_id="b2")
    assert refunded.outcome == Outcome.CONFIRMED
    assert SimulatedBankTransaction.objects.get(transaction_id="b2").refunded_cents == 5000
