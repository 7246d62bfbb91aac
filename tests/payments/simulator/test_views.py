"""The simulator bank's pages: the card form for a signed order, then the bank's answer, signed,
sent to our notification address (through its task queue) and brought back by the browser."""

import urllib.parse

import pytest

from matricule.payments.models import SimulatedBankTransaction
from matricule.payments.services import gateway_for
from matricule.payments.simulator.gateway import verify
from matricule.payments.simulator.views import _luhn_ok
from tests.payments.orders import payment_request

CARD, PAY = "/simulateur-paiement/payer/", "/simulateur-paiement/carte/"
ACCEPTED, REFUSED = "4111 1111 1111 1111", "4000000000000002"


@pytest.fixture
def order():
    """What our payment page posts to the bank: a signed order."""
    action = gateway_for("simulator").start(
        payment_request(
            amount_cents=17800,
            return_url="http://testserver/paiement/retour/MAT0123456789ABCDEF/",
            notify_url="http://testserver/paiement/notification/simulator/",
            cancel_url="http://testserver/paiement/annule/",
        )
    )
    return action.fields


@pytest.fixture
def queue(monkeypatch):
    """The bank's task queue: records the notifications it is asked to send."""
    sent = []

    class Recorder:
        def enqueue(self, fields, url, delay=0):
            sent.append((fields, url, delay))

    monkeypatch.setattr("matricule.payments.simulator.views.deliver_notification", Recorder())
    return sent


def test_the_card_form_shows_the_amount_of_a_signed_order(db, client, order):
    page = client.post(CARD, order)
    assert page.status_code == 200
    assert page.context["amount_cents"] == 17800 and page.context["order"] == order
    assert "MAT0123456789ABCDEF" in page.content.decode()


@pytest.mark.parametrize("address", [CARD, PAY])
def test_an_order_not_signed_by_us_is_refused(client, order, address):
    assert client.post(address, {**order, "amount": "1"}).status_code == 400
    assert client.get(address).status_code == 405


def test_a_test_card_is_accepted_and_the_answer_signed_sent_and_brought_back(db, client, order, queue):
    back = client.post(PAY, {**order, "action": "pay", "number": ACCEPTED, "expiry": "12/30", "cvc": "123"})
    bank = SimulatedBankTransaction.objects.get()
    assert (bank.reference, bank.amount_cents, bank.status) == ("MAT0123456789ABCDEF", 17800, "confirmed")
    [(fields, url, delay)] = queue
    secret = gateway_for("simulator").secret
    assert verify(fields, secret) and fields["transaction_id"] == bank.transaction_id
    assert (fields["status"], url, delay) == ("confirmed", order["notify_url"], 0)
    assert back.status_code == 302
    address, _, query = back.url.partition("?")
    assert address == order["return_url"] and dict(urllib.parse.parse_qsl(query)) == fields


def test_the_refusing_test_card_and_unknown_cards_fail(db, client, order, queue):
    for number in (REFUSED, "4242424242424242"):
        client.post(PAY, {**order, "action": "pay", "number": number, "expiry": "12/30", "cvc": "123"})
    assert [fields["status"] for fields, _url, _delay in queue] == ["failed", "failed"]


def test_cancelling_goes_back_to_the_cancel_address(db, client, order, queue):
    back = client.post(PAY, {**order, "action": "cancel"})
    assert back.url.startswith(order["cancel_url"] + "?")
    assert SimulatedBankTransaction.objects.get().status == "cancelled"
    assert [fields["status"] for fields, _url, _delay in queue] == ["cancelled"]


def test_an_invalid_card_number_shows_the_form_again(db, client, order, queue):
    page = client.post(PAY, {**order, "action": "pay", "number": "4111 1111 1111 1112", "expiry": "12/30"})
    assert page.status_code == 400
    assert set(page.context["form"].errors) == {"number", "cvc"}
    assert not SimulatedBankTransaction.objects.exists() and queue == []


def test_the_test_switches_delay_repeat_and_reorder_the_notifications(db, client, order, queue):
    client.post(
        PAY,
        {
            **order,
            "action": "pay",
            "number": ACCEPTED,
            "expiry": "12/30",
            "cvc": "123",
            "delay": "5",
            "duplicate": "on",
            "reorder": "on",
        },
    )
    assert [(fields["status"], delay) for fields, _url, delay in queue] == [
        ("confirmed", 5),
        ("confirmed", 5),
        ("pending", 0),
    ]


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("4000000000000002", True),
        ("4111111111111112", False),
        ("79927398713", True),
    ],
)
def test_card_numbers_are_checked_with_the_luhn_formula(number, valid):
    assert _luhn_ok(number) is valid
