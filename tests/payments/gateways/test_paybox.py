"""Paybox adapter against fixed vectors: the signed form computed independently here from the
documented algorithm, and notifications signed by openssl (data/make_paybox_vectors.py)."""

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import pathlib
import xml.etree.ElementTree as ET  # noqa: S405 - parses the XML we built
from urllib.parse import quote, unquote

import pytest

from matricule.payments.gateways import paybox
from matricule.payments.gateways.base import (
    Billing,
    GatewayError,
    InvalidNotification,
    Outcome,
)
from matricule.payments.gateways.paybox import PayboxGateway
from tests.payments.orders import payment_request

DATA = pathlib.Path(__file__).parent / "data"
VECTORS = json.loads((DATA / "paybox_vectors.json").read_text())
PUBLIC_PEM = (DATA / "paybox_test_public.pem").read_text()
# The HMAC key is 128 hex digits, as Paybox's back office generates it.
KEY = "0123456789ABCDEF" * 8

OPTIONS = {
    "site": "1999888",
    "rang": "32",
    "identifiant": "107904482",
    "key": KEY,
    "url": "https://preprod-tpeweb.paybox.com/cgi/MYchoix_pagepaiement.cgi",
    "public_key_pem": PUBLIC_PEM,
}

REQUEST = payment_request(
    notify_url="https://matricule.example/p/notify/paybox/",
    created_at=datetime.datetime(
        2024, 7, 8, 14, 30, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
)

CART = (
    '<?xml version="1.0" encoding="utf-8"?><shoppingcart><total><totalQuantity>1</totalQuantity>'
    "</total></shoppingcart>"
)


@pytest.fixture
def gateway():
    return PayboxGateway(OPTIONS)


def notify(gateway, query):
    return gateway.verify_notification("GET", query, b"")


# --- the signed form ----------------------------------------------------------------------------


def test_form_is_the_documented_fields_in_order_with_hmac_sha512(gateway):
    action = gateway.start(REQUEST)
    assert action.method == "POST"
    assert action.url == OPTIONS["url"]
    retour = "montant:M;reference:R;auto:A;erreur:E;appel:T;trans:S;date:W;heure:Q;signature:K"
    expected = [
        ("PBX_SITE", "1999888"),
        ("PBX_RANG", "32"),
        ("PBX_IDENTIFIANT", "107904482"),
        ("PBX_TOTAL", "17500"),
        ("PBX_DEVISE", "978"),
        ("PBX_CMD", "MAT0123456789ABCDEF"),
        ("PBX_PORTEUR", "chloe@example.org"),
        ("PBX_RETOUR", retour),
        ("PBX_HASH", "SHA512"),
        ("PBX_TIME", "2024-07-08T12:30:05+00:00"),
        ("PBX_LANGUE", "FRA"),
        ("PBX_EFFECTUE", "https://matricule.example/p/return/MAT01/"),
        ("PBX_REFUSE", "https://matricule.example/p/return/MAT01/"),
        ("PBX_ANNULE", "https://matricule.example/p/cancel/MAT01/"),
        ("PBX_ATTENTE", "https://matricule.example/p/return/MAT01/"),
        ("PBX_REPONDRE_A", "https://matricule.example/p/notify/paybox/"),
        ("PBX_SHOPPINGCART", CART),
    ]
    fields = list(action.fields.items())
    assert fields[:-1] == expected
    # Written out by hand: values raw (not URL-encoded), "key=value" joined by "&", posted order.
    message = (
        "PBX_SITE=1999888&PBX_RANG=32&PBX_IDENTIFIANT=107904482&PBX_TOTAL=17500&PBX_DEVISE=978"
        "&PBX_CMD=MAT0123456789ABCDEF&PBX_PORTEUR=chloe@example.org"
        f"&PBX_RETOUR={retour}&PBX_HASH=SHA512&PBX_TIME=2024-07-08T12:30:05+00:00&PBX_LANGUE=FRA"
        "&PBX_EFFECTUE=https://matricule.example/p/return/MAT01/"
        "&PBX_REFUSE=https://matricule.example/p/return/MAT01/"
        "&PBX_ANNULE=https://matricule.example/p/cancel/MAT01/"
        "&PBX_ATTENTE=https://matricule.example/p/return/MAT01/"
        "&PBX_REPONDRE_A=https://matricule.example/p/notify/paybox/"
        f"&PBX_SHOPPINGCART={CART}"
    )
    binary_key = base64.b16decode(KEY)
    expected_hmac = hmac.new(binary_key, message.encode(), hashlib.sha512).hexdigest().upper()
    assert fields[-1] == ("PBX_HMAC", expected_hmac)
    assert len(fields[-1][1]) == 128


BILLING = Billing(
    first_name="Zoé <&\"'>",
    last_name="L'Haÿ & Fils",
    street="12 rue des Écuyers",
    postal_code="28000",
    city="Chartres",
    country="France",
)


def test_3ds_billing_is_the_students_address_escaped_and_signed_in_order(gateway):
    fields = list(gateway.start(dataclasses.replace(REQUEST, billing=BILLING)).fields.items())
    assert [name for name, _ in fields[-3:]] == ["PBX_SHOPPINGCART", "PBX_BILLING", "PBX_HMAC"]
    assert fields[-3][1] == CART
    assert fields[-2][1] == (
        '<?xml version="1.0" encoding="utf-8"?><Billing><Address>'
        "<FirstName>Zoe &lt;&amp;&quot;&apos;&gt;</FirstName>"
        "<LastName>L&apos;Hay &amp; Fils</LastName>"
        "<Address1>12 rue des Ecuyers</Address1>"
        "<ZipCode>28000</ZipCode>"
        "<City>Chartres</City>"
        "<CountryCode>250</CountryCode>"
        "</Address></Billing>"
    )
    # Well-formed, and the student's characters come back out of it.
    address = ET.fromstring(fields[-2][1].encode()).find("Address")  # noqa: S314 - ours
    assert address.find("FirstName").text == "Zoe <&\"'>"
    assert address.find("LastName").text == "L'Hay & Fils"
    # Signed like every other field: raw values, in the order posted.
    message = "&".join(f"{name}={value}" for name, value in fields[:-1])
    expected = hmac.new(base64.b16decode(KEY), message.encode(), hashlib.sha512).hexdigest().upper()
    assert fields[-1] == ("PBX_HMAC", expected)
    other = gateway.form_fields(
        dataclasses.replace(REQUEST, billing=dataclasses.replace(BILLING, city="Dreux"))
    )
    assert other["PBX_HMAC"] != expected


def test_3ds_billing_values_are_cut_to_their_length_before_escaping(gateway):
    long = Billing(
        first_name="&" * 30, last_name="B" * 30, street="9" * 60, postal_code="1" * 20, city="C" * 60
    )
    xml = gateway.form_fields(dataclasses.replace(REQUEST, billing=long))["PBX_BILLING"]
    billing = ET.fromstring(xml)  # noqa: S314 - the XML we built
    lengths = {element.tag: len(element.text or "") for element in billing.find("Address")}
    assert lengths == {
        "FirstName": 22,
        "LastName": 22,
        "Address1": 50,
        "ZipCode": 10,
        "City": 50,
        "CountryCode": 0,
    }


@pytest.mark.parametrize(
    ("country", "code"), [("France", "250"), ("belgique", "056"), ("Germany", "276"), ("Atlantis", "")]
)
def test_3ds_billing_country_is_the_iso_numeric_code(gateway, country, code):
    billing = dataclasses.replace(BILLING, country=country)
    xml = gateway.form_fields(dataclasses.replace(REQUEST, billing=billing))["PBX_BILLING"]
    assert f"<CountryCode>{code}</CountryCode>" in xml


def test_small_amounts_have_three_digits(gateway):
    fields = gateway.form_fields(dataclasses.replace(REQUEST, amount_cents=50))
    assert fields["PBX_TOTAL"] == "050"


def test_english_page_and_utc_time_by_default(gateway):
    fields = gateway.form_fields(dataclasses.replace(REQUEST, language="en", created_at=None))
    assert fields["PBX_LANGUE"] == "GBR"
    assert fields["PBX_TIME"].endswith("+00:00")


@pytest.mark.parametrize("change", [{"currency": "USD"}, {"amount_cents": 0}])
def test_form_refuses_what_it_cannot_sign(gateway, change):
    with pytest.raises(GatewayError):
        gateway.start(dataclasses.replace(REQUEST, **change))


@pytest.mark.parametrize(
    "change",
    [
        {"key": ""},
        {"key": "not-hex"},
        {"site": ""},
        {"public_key_pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END"},
    ],
)
def test_bad_configuration_is_a_gateway_error(change):
    with pytest.raises(GatewayError):
        PayboxGateway({**OPTIONS, **change})


def test_default_public_key_is_paybox_published_one():
    numbers = paybox.load_public_key(paybox.PAYBOX_PUBLIC_KEY).public_numbers()
    assert numbers.n.bit_length() == 1024 and numbers.e == 65537
    default = PayboxGateway({k: v for k, v in OPTIONS.items() if k != "public_key_pem"})
    assert default.public_key.public_numbers() == numbers


# --- notifications --------------------------------------------------------------------------------


def test_genuine_payment_is_confirmed(gateway):
    outcome = notify(gateway, VECTORS["paid"])
    assert outcome.outcome == Outcome.CONFIRMED
    assert outcome.reference == "MAT0123456789ABCDEF"
    assert outcome.amount_cents == 17500
    assert outcome.currency == "EUR"
    assert outcome.transaction_id == "60912345"
    assert outcome.raw["appel"] == "10452318"
    assert outcome.raw["heure"] == "12:34:56"


@pytest.mark.parametrize(
    ("vector", "expected"),
    [("refused", Outcome.FAILED), ("cancelled", Outcome.CANCELLED), ("waiting", Outcome.PENDING)],
)
def test_genuine_other_outcomes(gateway, vector, expected):
    assert notify(gateway, VECTORS[vector]).outcome == expected


def test_ipn_by_post_is_read_from_the_body(gateway):
    outcome = gateway.verify_notification(
        "POST", "", VECTORS["paid"].encode(), "application/x-www-form-urlencoded"
    )
    assert outcome.outcome == Outcome.CONFIRMED


@pytest.mark.parametrize("vector", ["url_parameter_unsigned", "url_parameter_signed"])
def test_our_own_url_parameter_does_not_break_the_check(gateway, vector):
    outcome = notify(gateway, VECTORS[vector])
    assert (outcome.outcome, outcome.amount_cents) == (Outcome.CONFIRMED, 17500)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("montant=17500", "montant=00100"),
        ("reference=MAT0123456789ABCDEF", "reference=MAT0123456789ABCDEE"),
        ("erreur=00105", "erreur=00000"),
    ],
)
def test_tampered_notification_is_refused(gateway, old, new):
    genuine = VECTORS["refused"] if old.startswith("erreur") else VECTORS["paid"]
    assert old in genuine
    with pytest.raises(InvalidNotification):
        notify(gateway, genuine.replace(old, new))


def test_forged_notification_is_refused(gateway):
    with pytest.raises(InvalidNotification):
        notify(gateway, VECTORS["forged"])


def test_notification_for_another_paybox_key_is_refused():
    # A genuine vector, checked against Paybox's real key instead of the test one.
    with pytest.raises(InvalidNotification):
        notify(PayboxGateway({**OPTIONS, "public_key_pem": ""}), VECTORS["paid"])


def test_injected_duplicate_variable_is_refused(gateway):
    with pytest.raises(InvalidNotification):
        notify(gateway, "montant=1&" + VECTORS["paid"])


@pytest.mark.parametrize(
    "query",
    [
        "",
        "montant=17500&reference=X&erreur=00000",  # no signature
        VECTORS["paid"] + "&extra=1",  # signature not last
        VECTORS["paid"].split("&signature=")[0] + "&signature=%%%not-base64",
        VECTORS["paid"].split("&signature=")[0] + "&signature=" + quote(base64.b64encode(b"short").decode()),
        "signature=" + VECTORS["paid"].split("&signature=")[1],  # nothing signed
    ],
)
def test_malformed_notification_is_refused(gateway, query):
    with pytest.raises(InvalidNotification):
        notify(gateway, query)


def test_non_ascii_body_is_refused(gateway):
    with pytest.raises(InvalidNotification):
        gateway.verify_notification("POST", "", "montant=é&signature=x".encode("latin-1"))


@pytest.mark.parametrize(
    "data",
    [
        {"reference": "R", "erreur": "00000"},
        {"montant": "17500", "erreur": "00000"},
        {"montant": "17500", "reference": "R"},
        {"montant": "17500", "reference": "R", "erreur": "0"},
        {"montant": "-1", "reference": "R", "erreur": "00000"},
        {"montant": "17500", "reference": "", "erreur": "00000"},
    ],
)
def test_signed_but_incomplete_data_is_refused(gateway, data):
    with pytest.raises(InvalidNotification):
        gateway._outcome(data, "")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("00000", Outcome.CONFIRMED),
        ("00001", Outcome.CANCELLED),
        ("00003", Outcome.FAILED),
        ("00004", Outcome.FAILED),
        ("00006", Outcome.FAILED),
        ("00011", Outcome.FAILED),
        ("00015", Outcome.FAILED),
        ("00021", Outcome.FAILED),
        ("00030", Outcome.CANCELLED),
        ("00040", Outcome.FAILED),
        ("00100", Outcome.FAILED),  # Paybox sends 00000 for an authorised payment, never 00100
        ("00105", Outcome.FAILED),
        ("00151", Outcome.FAILED),
        ("00117", Outcome.CANCELLED),
        ("99999", Outcome.PENDING),
        ("01234", Outcome.FAILED),
    ],
)
def test_error_codes(code, expected):
    assert paybox.outcome_for_error(code) == expected


def test_answer_to_paybox():
    gateway = PayboxGateway(OPTIONS)
    assert gateway.notification_response(True)[0] == 200
    assert gateway.notification_response(False)[0] == 500


# --- the RSA verifier --------------------------------------------------------------------------------


def _signed(vector):
    data, _, signature = VECTORS[vector].rpartition("&signature=")
    return data.encode(), base64.b64decode(unquote(signature))


def test_verifier_accepts_openssl_signature_and_refuses_others():
    key = paybox.load_public_key(PUBLIC_PEM)
    data, signature = _signed("paid")
    assert paybox.verify_rsa_sha1(key, data, signature)
    assert not paybox.verify_rsa_sha1(key, data + b"x", signature)
    assert not paybox.verify_rsa_sha1(key, data, _signed("forged")[1])
    assert not paybox.verify_rsa_sha1(key, data, signature[:-1])
    assert not paybox.verify_rsa_sha1(key, data, b"\xff" * len(signature))


def test_pkcs1_and_escaped_pem_read_the_same_key():
    numbers = paybox.load_public_key(PUBLIC_PEM).public_numbers()
    assert (
        paybox.load_public_key((DATA / "paybox_test_rsa_public.pem").read_text()).public_numbers() == numbers
    )
    assert paybox.load_public_key(PUBLIC_PEM.replace("\n", "\\n")).public_numbers() == numbers


def test_a_key_too_short_or_not_rsa_is_refused():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def pem(public):
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    # A 512-bit modulus from its numbers: cryptography no longer generates keys that short.
    short = rsa.RSAPublicNumbers(65537, (1 << 511) + 1).public_key()
    with pytest.raises(GatewayError, match="too weak"):
        paybox.load_public_key(pem(short))
    with pytest.raises(GatewayError, match="not an RSA key"):
        paybox.load_public_key(pem(ec.generate_private_key(ec.SECP256R1()).public_key()))
