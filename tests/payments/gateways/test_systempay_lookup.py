"""Systempay look-up through Lyra's REST API (Order/Get), against a small fake of the V4 API
(http.server on 127.0.0.1) that checks the Basic authentication, the JSON body and the address,
and answers in the documented envelope: always HTTP 200, {"status": "SUCCESS", "answer":
OrderTransactions} or {"status": "ERROR", "answer": WebServiceError} (PSP_010 for an order without
transaction, INT_905 for wrong credentials)."""

import base64
import http.server
import json
import time

import pytest

from matricule.payments.gateways.base import GatewayError, Outcome
from matricule.payments.gateways.systempay import SystempayGateway
from tests.loopback import FakeHandler, serving

from .test_systempay import OPTIONS

SHOP = OPTIONS["site_id"]
PASSWORD = "prodpassword_SbEbeOueaMDyg8Rtei1bSaiB5lms9V0ZDjzldGXGAnIwH"
REFERENCE = "MAT0123456789ABCDEF"
PAID_STATUS = {"AUTHORISED": "PAID", "CAPTURED": "PAID", "REFUSED": "UNPAID", "CANCELLED": "UNPAID"}


def transaction(number, amount=17500, detailed_status="AUTHORISED", *, order=REFERENCE, mode="PRODUCTION"):
    """A Transaction object as Order/Get lists them (the fields this adapter reads, and a few more)."""
    return {
        "shopId": SHOP,
        "uuid": f"{number:032x}",
        "amount": amount,
        "currency": "EUR",
        "paymentMethodType": "CARD",
        "status": PAID_STATUS.get(detailed_status, "RUNNING"),
        "detailedStatus": detailed_status,
        "operationType": "DEBIT",
        "creationDate": "2024-07-08T12:34:56+00:00",
        "errorCode": "ACQ_001" if detailed_status == "REFUSED" else None,
        "orderDetails": {
            "orderId": order,
            "orderTotalAmount": amount,
            "orderCurrency": "EUR",
            "mode": mode,
            "_type": "V4/OrderDetails",
        },
        "transactionDetails": {"cardDetails": {"effectiveBrand": "CB", "pan": "497010XXXXXX0055"}},
        "_type": "V4/PaymentTransaction",
    }


class FakeLyra(http.server.ThreadingHTTPServer):
    """Orders by orderId, each a list of transactions. `trouble`: "garbage", "http500", "slow",
    "other_shop", "other_order"."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), LyraHandler)
        self.orders: dict[str, list[dict]] = {}
        self.calls: list[tuple[str, dict, dict]] = []  # (path, headers, body)
        self.trouble = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/api-payment/"

    def pay(self, *transactions, order=REFERENCE):
        self.orders.setdefault(order, []).extend(transactions)


class LyraHandler(FakeHandler):
    server: FakeLyra
    content_type = "application/json;charset=UTF-8"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls.append((self.path, dict(self.headers), body))
        if self.server.trouble == "slow":
            time.sleep(1.5)
        if self.server.trouble == "http500":
            return self.send(500, b"<html>502 Bad Gateway</html>")
        if self.server.trouble == "garbage":
            return self.send(200, b"<html>maintenance</html>")
        expected = "Basic " + base64.b64encode(f"{SHOP}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self.envelope("ERROR", error("INT_905", "invalid login or private key", shop=None))
        if self.path != "/api-payment/V4/Order/Get" or self.headers.get("Content-Type") != "application/json":
            return self.envelope("ERROR", error("INT_901", "web-service not found"))
        transactions = self.server.orders.get(body.get("orderId"), [])
        transactions = [item for item in transactions if item["operationType"] == body.get("operationType")]
        if not transactions:
            return self.envelope("ERROR", error("PSP_010", "transaction not found"))
        answer = {
            "shopId": "87654321" if self.server.trouble == "other_shop" else SHOP,
            "orderCycle": "CLOSED",
            "orderStatus": "PAID" if any(item["status"] == "PAID" for item in transactions) else "UNPAID",
            "orderDetails": {
                "orderId": "MATOTHER" if self.server.trouble == "other_order" else body["orderId"],
                "mode": transactions[0]["orderDetails"]["mode"],
            },
            "transactions": transactions,
            "_type": "V4/OrderTransactions",
        }
        return self.envelope("SUCCESS", answer)

    def envelope(self, status, answer):
        data = {
            "webService": "Order/Get",
            "version": "V4",
            "applicationVersion": "7.2.2",
            "status": status,
            "answer": answer,
            "ticket": None,
            "serverDate": "2024-07-08T12:40:00+00:00",
            "applicationProvider": "SYSTEMPAY",
            "metadata": None,
            "_type": "V4/WebService/Response",
        }
        self.send(200, json.dumps(data).encode())


def error(code, message, shop=SHOP):
    return {
        "errorCode": code,
        "errorMessage": message,
        "detailedErrorCode": None,
        "detailedErrorMessage": None,
        "ticket": "null",
        "shopId": shop,
        "_type": "V4/WebService/WebServiceError",
    }


@pytest.fixture
def lyra(monkeypatch):
    with serving(FakeLyra(), monkeypatch) as server:
        yield server


def lookup_options(server, **changes):
    return {**OPTIONS, "rest_password": PASSWORD, "api_url": server.url, "timeout": 5, **changes}


@pytest.fixture
def gateway(lyra):
    return SystempayGateway(lookup_options(lyra))


# --- what Systempay answers --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["AUTHORISED", "CAPTURED"])
def test_a_paid_order_is_confirmed_with_its_amount_and_currency(lyra, gateway, status):
    lyra.pay(transaction(1, detailed_status=status))
    outcome = gateway.lookup(REFERENCE)
    assert (outcome.reference, outcome.outcome, outcome.amount_cents, outcome.currency) == (
        REFERENCE,
        Outcome.CONFIRMED,
        17500,
        "EUR",
    )
    assert outcome.transaction_id == f"{1:032x}"
    assert outcome.raw["transactions"][0]["detailedStatus"] == status
    ((path, headers, body),) = lyra.calls
    assert path == "/api-payment/V4/Order/Get"
    assert body == {"orderId": REFERENCE, "operationType": "DEBIT"}
    assert headers["Content-Type"] == "application/json"
    assert base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode() == f"{SHOP}:{PASSWORD}"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("REFUSED", Outcome.FAILED),
        ("EXPIRED", Outcome.FAILED),
        ("CANCELLED", Outcome.CANCELLED),  # as the IPN says it: nothing taken, the attempt given up
        ("ABANDONED", Outcome.CANCELLED),
        ("WAITING_AUTHORISATION", Outcome.PENDING),
        ("AUTHORISED_TO_VALIDATE", Outcome.PENDING),
        ("UNDER_VERIFICATION", Outcome.PENDING),
        ("ACCEPTED", Outcome.PENDING),  # a card verification takes no money
    ],
)
def test_other_statuses(lyra, gateway, status, expected):
    lyra.pay(transaction(1, detailed_status=status))
    assert gateway.lookup(REFERENCE).outcome == expected


def test_a_refusal_then_a_payment_on_the_same_page_is_a_payment(lyra, gateway):
    lyra.pay(transaction(1, detailed_status="REFUSED"), transaction(2, detailed_status="AUTHORISED"))
    outcome = gateway.lookup(REFERENCE)
    assert (outcome.outcome, outcome.amount_cents, outcome.transaction_id) == (
        Outcome.CONFIRMED,
        17500,
        f"{2:032x}",
    )


def test_two_payments_for_one_order_add_up(lyra, gateway):
    lyra.pay(transaction(1), transaction(2, detailed_status="CAPTURED"))
    assert gateway.lookup(REFERENCE).amount_cents == 35000  # more than due: held for review


def test_an_order_without_transaction_is_still_pending(lyra, gateway):
    lyra.pay(transaction(1), order="MATSOMEONEELSE")
    outcome = gateway.lookup(REFERENCE)
    assert (outcome.outcome, outcome.amount_cents, outcome.currency) == (Outcome.PENDING, None, None)


# --- answers never trusted ----------------------------------------------------------------------------


def test_a_test_mode_payment_never_counts_in_production(lyra, gateway):
    lyra.pay(transaction(1, mode="TEST"))
    with pytest.raises(GatewayError, match="mode 'TEST'"):
        gateway.lookup(REFERENCE)


@pytest.mark.parametrize(
    ("trouble", "message"), [("other_shop", "another shop"), ("other_order", "another order")]
)
def test_an_answer_for_another_shop_or_order_is_refused(lyra, gateway, trouble, message):
    lyra.pay(transaction(1))
    lyra.trouble = trouble
    with pytest.raises(GatewayError, match=message):
        gateway.lookup(REFERENCE)


def test_a_transaction_of_another_order_is_refused(lyra, gateway):
    lyra.pay(transaction(1, order="MATOTHER"), order=REFERENCE)
    with pytest.raises(GatewayError, match="another order"):
        gateway.lookup(REFERENCE)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "17500"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": -1}, "amount"),
        ({"currency": "euro"}, "currency"),
        ({"detailedStatus": None}, "status"),
    ],
)
def test_a_malformed_transaction_is_refused(lyra, gateway, change, message):
    lyra.pay({**transaction(1), **change})
    with pytest.raises(GatewayError, match=message):
        gateway.lookup(REFERENCE)


def test_wrong_credentials_are_a_gateway_error(lyra):
    lyra.pay(transaction(1))
    with pytest.raises(GatewayError, match="INT_905"):
        SystempayGateway(lookup_options(lyra, rest_password="testpassword_wrong")).lookup(REFERENCE)


@pytest.mark.parametrize(("trouble", "message"), [("garbage", "not JSON"), ("http500", "HTTP 500")])
def test_garbage_or_a_server_error_is_a_gateway_error(lyra, gateway, trouble, message):
    lyra.pay(transaction(1))
    lyra.trouble = trouble
    with pytest.raises(GatewayError, match=message):
        gateway.lookup(REFERENCE)


def test_a_server_too_slow_is_a_gateway_error(lyra):
    lyra.pay(transaction(1))
    lyra.trouble = "slow"
    started = time.monotonic()
    with pytest.raises(GatewayError, match="unreachable"):
        SystempayGateway(lookup_options(lyra, timeout=0.3)).lookup(REFERENCE)
    assert time.monotonic() - started < 1.4


# --- configuration ---------------------------------------------------------------------------------


def test_without_the_rest_password_there_is_no_lookup():
    gateway = SystempayGateway(OPTIONS)
    assert not gateway.supports_lookup and gateway.api_url == "https://api.systempay.fr/api-payment/"
    with pytest.raises(GatewayError, match="rest_password"):
        gateway.lookup(REFERENCE)
    assert SystempayGateway({**OPTIONS, "rest_password": PASSWORD}).supports_lookup


def test_the_api_address_must_be_https_but_for_a_local_test_server():
    with pytest.raises(GatewayError, match="api_url"):
        SystempayGateway({**OPTIONS, "rest_password": PASSWORD, "api_url": "http://api.systempay.fr/"})
