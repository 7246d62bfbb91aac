"""Paybox adapter against fixed vectors: the signed form computed independently here from the
documented algorithm, and notifications signed by openssl (data/make_paybox_vectors.py)."""

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import pathlib
from urllib.parse import quote, unquote

import pytest

from matricule.payments.gateways import paybox
from matricule.payments.gateways.base import GatewayError, InvalidNotification, Outcome, PaymentRequest
from matricule.payments.gateways.paybox import PayboxGateway

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

REQUEST = PaymentRequest(
    reference="MAT0123456789ABCDEF",
    amount_cents=17500,
    currency="EUR",
    email="chloe@example.org",
    label="Droits d'inscription 2024-2025",
    return_url="https://matricule.example/p/return/MAT01/",
    notify_url="https://matricule.example/p/notify/paybox/",
    cancel_url="https://matricule.example/p/cancel/MAT01/",
    language="fr",
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
