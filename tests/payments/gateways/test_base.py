"""The interface every gateway adapter implements: what the base class does itself (answering a
notification), what it leaves to the adapters, and the values adapters hand back."""

import dataclasses

import pytest

from matricule.payments.gateways.base import (
    BrowserAction,
    Gateway,
    GatewayError,
    Outcome,
    VerifiedOutcome,
    secure_url,
)
from tests.payments.orders import payment_request

REQUEST = payment_request()


def test_a_gateway_keeps_its_options_and_supports_no_refund_or_lookup_unless_it_says_so():
    gateway = Gateway({"secret": "s3cr3t"})
    assert gateway.options == {"secret": "s3cr3t"}
    assert (gateway.code, gateway.supports_refund, gateway.supports_lookup) == ("", False, False)


def test_the_answer_to_a_notification_asks_the_gateway_to_retry_only_on_failure():
    gateway = Gateway({})
    assert gateway.notification_response(True) == (200, "text/plain", "OK")
    assert gateway.notification_response(False) == (500, "text/plain", "RETRY")


@pytest.mark.parametrize(
    "call",
    [
        lambda gateway: gateway.start(REQUEST),
        lambda gateway: gateway.verify_notification("POST", "", b"reference=MAT1"),
        lambda gateway: gateway.lookup("MAT1", transaction_id="t1"),
        lambda gateway: gateway.refund("MAT1", 100, transaction_id="t1"),
    ],
    ids=["start", "verify_notification", "lookup", "refund"],
)
def test_the_operations_are_left_to_each_adapter(call):
    with pytest.raises(NotImplementedError):
        call(Gateway({}))


def test_the_values_handed_back_are_frozen_with_plain_defaults():
    action = BrowserAction(url="https://bank.example/pay")
    assert (action.method, action.fields) == ("GET", {})
    outcome = VerifiedOutcome(reference="MAT1", outcome=Outcome.CONFIRMED, amount_cents=17800, currency="EUR")
    assert (outcome.transaction_id, outcome.raw) == ("", {})
    assert (REQUEST.language, REQUEST.created_at) == ("fr", None)
    for value in (action, outcome, REQUEST):
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.reference = "MAT2"


def test_outcomes_are_the_words_kept_on_the_notifications():
    assert [outcome.value for outcome in Outcome] == ["confirmed", "failed", "cancelled", "pending"]
    assert Outcome("failed") is Outcome.FAILED and Outcome.FAILED == "failed"


def test_a_lookup_told_the_amount_is_a_plain_lookup_unless_the_adapter_needs_it():
    class Bank(Gateway):
        def lookup(self, reference, *, transaction_id=""):
            return VerifiedOutcome(reference, Outcome.PENDING, None, None, transaction_id)

    outcome = Bank({}).lookup_attempt("MAT1", amount_cents=17800, currency="EUR", transaction_id="t1")
    assert (outcome.reference, outcome.transaction_id) == ("MAT1", "t1")
    with pytest.raises(NotImplementedError):
        Gateway({}).lookup_attempt("MAT1", amount_cents=17800, currency="EUR")


@pytest.mark.parametrize(
    "url",
    [
        "https://ppps.paybox.com/PPPS.php",
        "http://127.0.0.1:8123/PPPS.php",
        "http://[::1]:8123/api-payment/",
        "http://localhost:8123/api-payment/",
    ],
)
def test_lookup_addresses_are_https_or_this_machine(url):
    assert secure_url(url, "the address") == url


@pytest.mark.parametrize(
    "url",
    [
        "http://ppps.paybox.com/PPPS.php",
        "http://10.0.0.1/PPPS.php",
        "ftp://127.0.0.1/",
        "https://",
        "",
        "http://[::1",
    ],
)
def test_other_lookup_addresses_are_refused(url):
    with pytest.raises(GatewayError, match="the address"):
        secure_url(url, "the address")
