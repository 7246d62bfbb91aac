"""Systempay adapter: the published signature example, the signed form and IPNs signed here
independently with hmac/hashlib from Lyra's documented algorithm."""

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import pathlib
from urllib.parse import urlencode

import pytest

from matricule.payments.gateways import systempay
from matricule.payments.gateways.base import GatewayError, InvalidNotification, Outcome
from matricule.payments.gateways.systempay import SystempayGateway
from tests.payments.orders import payment_request

DATA = pathlib.Path(__file__).parent / "data"
IPN = {
    k: v for k, v in json.loads((DATA / "systempay_ipn.json").read_text()).items() if k.startswith("vads_")
}
KEY = "Xk3mP9qR2sT7vW1y"
TEST_KEY = "Ab4cD8eF1gH5iJ0k"
OPTIONS = {"site_id": "12345678", "key": KEY, "ctx_mode": "PRODUCTION"}

REQUEST = payment_request(
    notify_url="https://matricule.example/p/notify/systempay/",
    created_at=datetime.datetime(2024, 7, 8, 12, 30, 12, 340000, tzinfo=datetime.UTC),
)


def lyra_signature(fields, key):
    """Lyra's documented steps, written out again: vads_* sorted by name, values joined by '+',
    '+key' appended, HMAC-SHA-256 with the key, Base64."""
    names = sorted(name for name in fields if name.startswith("vads_"))
    message = "+".join(fields[name] for name in names) + "+" + key
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def ipn(**changes):
    fields = {**IPN, **changes}
    return {**fields, "signature": lyra_signature(fields, KEY)}


@pytest.fixture
def gateway():
    gateway = SystempayGateway(OPTIONS)
    gateway._rand = lambda n: 5  # the random part of vads_trans_id, fixed for the vector
    return gateway


def post(gateway, fields):
    return gateway.verify_notification(
        "POST", "", urlencode(fields).encode(), "application/x-www-form-urlencoded"
    )


# --- the signature --------------------------------------------------------------------------------


def test_signing_string_matches_the_published_example():
    # Lyra's (PayZen) documentation example: these fields, test certificate 1122334455667788, SHA-1
    # signature 606b369759fac4f0864144c803c73676cbe470ff. Same string as HMAC-SHA-256 signs.
    fields = {
        "vads_action_mode": "INTERACTIVE",
        "vads_amount": "1524",
        "vads_ctx_mode": "TEST",
        "vads_currency": "978",
        "vads_page_action": "PAYMENT",
        "vads_payment_config": "SINGLE",
        "vads_site_id": "12345678",
        "vads_trans_date": "20090501193530",
        "vads_trans_id": "654321",
        "vads_version": "V2",
    }
    string = systempay.signing_string(fields, "1122334455667788")
    assert hashlib.sha1(string.encode()).hexdigest() == "606b369759fac4f0864144c803c73676cbe470ff"  # noqa: S324


def test_form_fields_and_signature(gateway):
    action = gateway.start(REQUEST)
    assert action.method == "POST"
    assert action.url == "https://paiement.systempay.fr/vads-payment/"
    fields = dict(action.fields)
    signature = fields.pop("signature")
    assert fields == {
        "vads_action_mode": "INTERACTIVE",
        "vads_amount": "17500",
        "vads_ctx_mode": "PRODUCTION",
        "vads_currency": "978",
        "vads_cust_email": "chloe@example.org",
        "vads_language": "fr",
        "vads_order_id": "MAT0123456789ABCDEF",
        "vads_order_info": "Droits d'inscription 2024-2025",
        "vads_page_action": "PAYMENT",
        "vads_payment_config": "SINGLE",
        "vads_return_mode": "GET",
        "vads_site_id": "12345678",
        "vads_trans_date": "20240708123012",
        "vads_trans_id": "4m5ktd",  # base 36 of (45 012.34 s of the day in 1/100 s) × 62 + 5
        "vads_url_cancel": "https://matricule.example/p/cancel/MAT01/",
        "vads_url_check": "https://matricule.example/p/notify/systempay/",
        "vads_url_error": "https://matricule.example/p/return/MAT01/",
        "vads_url_refused": "https://matricule.example/p/return/MAT01/",
        "vads_url_return": "https://matricule.example/p/return/MAT01/",
        "vads_url_success": "https://matricule.example/p/return/MAT01/",
        "vads_version": "V2",
    }
    assert int("4m5ktd", 36) == 4_501_234 * 62 + 5
    assert signature == lyra_signature(fields, KEY)
    assert len(base64.b64decode(signature)) == 32


@pytest.mark.parametrize(
    "change", [{"currency": "GBP"}, {"amount_cents": 0}, {"reference": "MAT_01"}, {"reference": "M" * 65}]
)
def test_form_refuses_what_it_cannot_send(gateway, change):
    with pytest.raises(GatewayError):
        gateway.start(dataclasses.replace(REQUEST, **change))


@pytest.mark.parametrize(
    "change", [{"site_id": "123"}, {"key": ""}, {"ctx_mode": "LIVE"}, {"return_mode": "EMAIL"}]
)
def test_bad_configuration_is_a_gateway_error(change):
    with pytest.raises(GatewayError):
        SystempayGateway({**OPTIONS, **change})


@pytest.mark.parametrize(
    "when",
    [
        datetime.datetime(2024, 7, 8, 0, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2024, 7, 8, 23, 59, 59, 999999, tzinfo=datetime.UTC),
        datetime.datetime(2024, 7, 9, 1, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    ],
)
@pytest.mark.parametrize("draw", [0, 61])
def test_trans_id_is_six_lowercase_base36_outside_the_reserved_range(when, draw):
    trans_id = systempay.make_trans_id(when, lambda n: draw)
    assert len(trans_id) == 6
    assert set(trans_id) <= set("0123456789abcdefghijklmnopqrstuvwxyz")
    assert trans_id[0] != "9"


def test_trans_ids_differ_within_a_day():
    start = datetime.datetime(2024, 7, 8, 12, 0, tzinfo=datetime.UTC)
    ids = {
        systempay.make_trans_id(start + datetime.timedelta(milliseconds=10 * i), lambda n: 0)
        for i in range(5000)
    }
    ids |= {systempay.make_trans_id(start, lambda n, d=d: d) for d in range(62)}
    assert len(ids) == 5000 + 61


# --- notifications --------------------------------------------------------------------------------


def test_genuine_ipn_is_confirmed(gateway):
    outcome = post(gateway, ipn())
    assert outcome.outcome == Outcome.CONFIRMED
    assert outcome.reference == "MAT0123456789ABCDEF"
    assert outcome.amount_cents == 17500
    assert outcome.currency == "EUR"
    assert outcome.transaction_id == "2fc3e0a4a1b24c7b9f7c1d0e9a8b7c6d"
    assert outcome.raw["vads_auth_number"] == "3fe2a4"
    assert "signature" not in outcome.raw


def test_browser_return_by_get_is_checked_the_same_way(gateway):
    outcome = gateway.verify_notification("GET", urlencode(ipn()), b"")
    assert outcome.outcome == Outcome.CONFIRMED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("AUTHORISED", Outcome.CONFIRMED),
        ("CAPTURED", Outcome.CONFIRMED),
        ("REFUSED", Outcome.FAILED),
        ("CAPTURE_FAILED", Outcome.FAILED),
        ("EXPIRED", Outcome.FAILED),
        ("ABANDONED", Outcome.CANCELLED),
        ("CANCELLED", Outcome.CANCELLED),
        ("ACCEPTED", Outcome.PENDING),  # a card verification: never captured
        ("AUTHORISED_TO_VALIDATE", Outcome.PENDING),
        ("WAITING_AUTHORISATION", Outcome.PENDING),
        ("UNDER_VERIFICATION", Outcome.PENDING),
        ("SOMETHING_NEW", Outcome.PENDING),
    ],
)
def test_statuses(gateway, status, expected):
    assert post(gateway, ipn(vads_trans_status=status)).outcome == expected


def test_refund_notification_does_not_read_as_a_payment(gateway):
    assert post(gateway, ipn(vads_operation_type="CREDIT")).outcome == Outcome.PENDING


def test_other_currency_is_reported_for_the_caller_to_compare(gateway):
    outcome = post(gateway, ipn(vads_currency="840"))
    assert outcome.currency == "USD"
    assert post(gateway, ipn(vads_currency="999")).currency == "999"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("vads_amount", "100"),
        ("vads_trans_status", "AUTHORISED"),
        ("vads_order_id", "MAT0000000000000000"),
        ("vads_currency", "840"),
        ("vads_extra_result", "00"),
    ],
)
def test_tampered_ipn_is_refused(gateway, name, value):
    fields = ipn(vads_trans_status="REFUSED")
    fields[name] = value  # changed after signing
    with pytest.raises(InvalidNotification):
        post(gateway, fields)


def test_added_field_after_signing_is_refused(gateway):
    with pytest.raises(InvalidNotification):
        post(gateway, {**ipn(), "vads_amount_bonus": "1"})


def test_forged_ipn_is_refused(gateway):
    fields = {**IPN}
    fields["signature"] = lyra_signature(fields, "AnotherKey123456")
    with pytest.raises(InvalidNotification):
        post(gateway, fields)


def test_test_mode_ipn_never_counts_in_production(gateway):
    fields = {**IPN, "vads_ctx_mode": "TEST"}
    fields["signature"] = lyra_signature(fields, TEST_KEY)
    with pytest.raises(InvalidNotification):
        post(gateway, fields)
    # Not even when someone signed it with our production key.
    fields["signature"] = lyra_signature(fields, KEY)
    with pytest.raises(InvalidNotification):
        post(gateway, fields)


def test_ipn_for_another_shop_is_refused(gateway):
    with pytest.raises(InvalidNotification):
        post(gateway, ipn(vads_site_id="87654321"))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        urlencode(IPN).encode(),  # no signature
        urlencode({**ipn(), "signature": ""}).encode(),
        urlencode(ipn()).encode() + b"&vads_amount=17500",  # a field twice
        "vads_order_info=Droits d'inscription é".encode("latin-1") + b"&signature=x",
    ],
)
def test_malformed_ipn_is_refused(gateway, body):
    with pytest.raises(InvalidNotification):
        gateway.verify_notification("POST", "", body)


@pytest.mark.parametrize("changes", [{"vads_amount": "17,50"}, {"vads_amount": ""}, {"vads_order_id": ""}])
def test_signed_but_unusable_ipn_is_refused(gateway, changes):
    with pytest.raises(InvalidNotification):
        post(gateway, ipn(**changes))


def test_test_mode_shop_uses_its_test_key():
    gateway = SystempayGateway({**OPTIONS, "ctx_mode": "TEST", "key": TEST_KEY})
    assert gateway.start(REQUEST).fields["vads_ctx_mode"] == "TEST"
    fields = {**IPN, "vads_ctx_mode": "TEST"}
    fields["signature"] = lyra_signature(fields, TEST_KEY)
    assert post(gateway, fields).outcome == Outcome.CONFIRMED
