"""Paybox System (Verifone, formerly Paybox Services / E-transactions): signed form POST, RSA-signed
notification.

Followed:
- Paybox integrator documentation, "La solution Paybox System": "Appel de la page de paiement" (the
  mandatory PBX_* variables, POST to the payment page) and "Gestion de la réponse" (the four return
  URLs, the IPN to PBX_REPONDRE_A, the signature K that must be the last variable of PBX_RETOUR);
- ../shared/reference/french-registration-systems.md §6 "Paybox / Verifone", drawn from
  EsupPortail/esup-pay (PayBoxService, PayBoxForm, HashService) and eopayment 3.15 ``paybox.py``:
  PBX_HMAC = upper-case hex HMAC-SHA512, keyed with the hex-decoded secret, over ``k=v&k=v`` in the
  posted order; the notification is checked with SHA1withRSA against Paybox's public key over the
  raw query string up to the last ``&`` (esup-pay ``checkPayboxSignature``);
- the 3-D Secure v2 variables PBX_SHOPPINGCART and PBX_BILLING (XML documents, signed like the
  others, in the order posted), as the E-Transactions (Paybox) payment modules for WooCommerce and
  Magento build them: billing address of FirstName, LastName, Address1, ZipCode, City and the ISO 3166-1
  numeric CountryCode, values in ASCII, cut to 22/22/50/10/50 characters;
- error codes (variable E) as listed in eopayment's ``PAYBOX_ERROR_CODES`` (from the Paybox manual
  §"Codes erreur").

Why not eopayment itself: it pulls requests, zeep, pycryptodomex and click, builds its own PBX_CMD
(date + random + order id) where we need our reference verbatim, and reports a bad signature as a
flag rather than refusing; the algorithms above are short and reproduced here faithfully.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import re
from urllib.parse import unquote, unquote_plus
from xml.sax.saxutils import escape

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .base import (
    Billing,
    BrowserAction,
    Gateway,
    GatewayError,
    InvalidNotification,
    Outcome,
    PaymentRequest,
    VerifiedOutcome,
)
from .billing import numeric_country_code, plain_text

URLS = {
    "test": "https://preprod-tpeweb.paybox.com/cgi/MYchoix_pagepaiement.cgi",
    "prod": "https://tpeweb.paybox.com/cgi/MYchoix_pagepaiement.cgi",
    "backup": "https://tpeweb1.paybox.com/cgi/MYchoix_pagepaiement.cgi",
}

# Paybox's published public key (pubkey.pem, also shipped by eopayment); overridable by option.
PAYBOX_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDe+hkicNP7ROHUssGNtHwiT2Ew
HFrSk/qwrcq8v5metRtTTFPE/nmzSkRnTs3GMpi57rBdxBBJW5W9cpNyGUh0jNXc
VrOSClpD5Ri2hER/GcNrxVRP7RlWOqB1C03q4QYmwjHZ+zlM4OUhCCAtSWflB4wC
Ka1g88CjFwRw/PB9kwIDAQAB
-----END PUBLIC KEY-----
"""

# What Paybox sends back (name:letter), signature last as the documentation requires.
RETURNED = (
    ("montant", "M"),
    ("reference", "R"),
    ("auto", "A"),
    ("erreur", "E"),
    ("appel", "T"),
    ("trans", "S"),
    ("date", "W"),
    ("heure", "Q"),
)
SIGNATURE = "signature"
PBX_RETOUR = ";".join(f"{name}:{letter}" for name, letter in RETURNED) + f";{SIGNATURE}:K"

CURRENCIES = {"EUR": "978"}
LANGUAGES = {"fr": "FRA", "en": "GBR", "de": "DEU", "es": "ESP", "it": "ITA", "nl": "NLD"}

ERRORS = {
    "00000": Outcome.CONFIRMED,
    # eopayment reads 00001 as "cancelled by the user"; the Paybox list calls it a failed connection
    # to the authorisation centre. Either way nothing was taken and the student may try again.
    "00001": Outcome.CANCELLED,
    "00030": Outcome.CANCELLED,  # more than 15 minutes on the payment page
    "99999": Outcome.PENDING,  # waiting for the issuer's validation
}


def outcome_for_error(code: str) -> Outcome:
    """What an E code means for us. Only 00000 is money taken; 001xx is the bank's refusal, with the
    card-scheme answer in the last two digits (17 = the buyer cancelled)."""
    if code in ERRORS:
        return ERRORS[code]
    if re.fullmatch(r"001\d\d", code):
        return Outcome.CANCELLED if code == "00117" else Outcome.FAILED
    return Outcome.FAILED


# 3-D Secure v2 asks for the cart and the cardholder's address, as XML. The cart: one fee, one item.
SHOPPING_CART = (
    '<?xml version="1.0" encoding="utf-8"?><shoppingcart><total>'
    "<totalQuantity>1</totalQuantity></total></shoppingcart>"
)
# PBX_BILLING's address elements and their longest values, as the E-Transactions payment modules
# send them (text folded to ASCII; CountryCode the ISO 3166-1 numeric code).
BILLING_ELEMENTS = (
    ("FirstName", "first_name", 22),
    ("LastName", "last_name", 22),
    ("Address1", "street", 50),
    ("ZipCode", "postal_code", 10),
    ("City", "city", 50),
)


def billing_xml(billing: Billing) -> str:
    """PBX_BILLING for the student: their name and address, each value cut to its length, then
    XML-escaped (a name may hold & or <)."""
    quotes = {'"': "&quot;", "'": "&apos;"}
    address = "".join(
        f"<{element}>{escape(plain_text(getattr(billing, name), limit), quotes)}</{element}>"
        for element, name, limit in BILLING_ELEMENTS
    )
    country = numeric_country_code(billing.country)
    return (
        '<?xml version="1.0" encoding="utf-8"?><Billing><Address>'
        f"{address}<CountryCode>{country}</CountryCode></Address></Billing>"
    )


def hmac_fields(fields: list[tuple[str, str]], key_hex: str) -> str:
    """PBX_HMAC for the fields in posted order."""
    message = "&".join(f"{name}={value}" for name, value in fields)
    return hmac.new(bytes.fromhex(key_hex), message.encode("utf-8"), hashlib.sha512).hexdigest().upper()


# --- RSA (SHA1withRSA, PKCS#1 v1.5) --------------------------------------------------------------


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Paybox's key, as a SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY") PEM."""
    # A PEM put in an environment variable often arrives with literal "\n", indented, or without
    # its armour lines: only the base64 body is read, whatever the armour says.
    text = pem.replace("\\n", "\n")
    lines = [line.strip() for line in text.strip().splitlines()]
    body = "".join(line for line in lines if line and not line.startswith("-----"))
    try:
        key = serialization.load_der_public_key(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error) as error:
        raise GatewayError(f"Paybox public key unreadable: {error}") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise GatewayError("Paybox public key unreadable: not an RSA key")
    if key.key_size < 1024 or key.public_numbers().e < 3:
        raise GatewayError("Paybox public key too weak")
    return key


def verify_rsa_sha1(key: rsa.RSAPublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - Paybox's scheme
    except InvalidSignature:
        return False
    return True


# --- the gateway -----------------------------------------------------------------------------------


class PayboxGateway(Gateway):
    """Options: site (7 digits), rang (2-3 digits), identifiant, key (HMAC secret, hex), url (payment
    page; default production), public_key_pem (default: Paybox's published key)."""

    code = "paybox"

    def __init__(self, options: dict):
        super().__init__(options)
        for name in ("site", "rang", "identifiant", "key"):
            if not str(options.get(name) or "").strip():
                raise GatewayError(f"Paybox option {name!r} is not set")
        key = str(options["key"]).strip()
        if not re.fullmatch(r"(?:[0-9a-fA-F]{2})+", key):
            raise GatewayError("Paybox HMAC key must be hexadecimal")
        self.key = key
        self.url = options.get("url") or URLS["prod"]
        self.public_key = load_public_key(options.get("public_key_pem") or PAYBOX_PUBLIC_KEY)

    def form_fields(self, request: PaymentRequest) -> dict[str, str]:
        if request.currency not in CURRENCIES:
            raise GatewayError(f"Paybox: currency {request.currency} not configured")
        if request.amount_cents <= 0:
            raise GatewayError("Paybox: amount must be positive")
        when = (request.created_at or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
        fields = [
            ("PBX_SITE", str(self.options["site"]).strip()),
            ("PBX_RANG", str(self.options["rang"]).strip()),
            ("PBX_IDENTIFIANT", str(self.options["identifiant"]).strip()),
            ("PBX_TOTAL", f"{request.amount_cents:03d}"),
            ("PBX_DEVISE", CURRENCIES[request.currency]),
            ("PBX_CMD", request.reference),
            ("PBX_PORTEUR", request.email),
            ("PBX_RETOUR", PBX_RETOUR),
            ("PBX_HASH", "SHA512"),
            ("PBX_TIME", when.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
            ("PBX_LANGUE", LANGUAGES.get(request.language[:2].lower(), "FRA")),
            ("PBX_EFFECTUE", request.return_url),
            ("PBX_REFUSE", request.return_url),
            ("PBX_ANNULE", request.cancel_url),
            ("PBX_ATTENTE", request.return_url),
            ("PBX_REPONDRE_A", request.notify_url),
            ("PBX_SHOPPINGCART", SHOPPING_CART),
        ]
        if request.billing is not None:
            fields.append(("PBX_BILLING", billing_xml(request.billing)))
        # Paybox recomputes the HMAC over the fields in the order received: the dict keeps it.
        return dict([*fields, ("PBX_HMAC", hmac_fields(fields, self.key))])

    def start(self, request: PaymentRequest) -> BrowserAction:
        return BrowserAction(url=self.url, method="POST", fields=self.form_fields(request))

    def verify_notification(
        self, method: str, query: str, body: bytes, content_type: str = ""
    ) -> VerifiedOutcome:
        raw = query
        if f"{SIGNATURE}=" not in raw and body:  # an IPN configured to POST
            try:
                raw = body.decode("ascii")
            except UnicodeDecodeError as error:
                raise InvalidNotification("Paybox: body is not URL-encoded ASCII") from error
        data = self._signed_data(raw)
        return self._outcome(data, raw)

    def _signed_data(self, raw: str) -> dict[str, str]:
        """The variables covered by a valid signature; raise when there is none."""
        segments = raw.split("&") if raw else []
        if not segments or not segments[-1].startswith(f"{SIGNATURE}="):
            raise InvalidNotification("Paybox: no signature as last variable")
        try:
            signature = base64.b64decode(unquote(segments[-1][len(SIGNATURE) + 1 :]), validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidNotification("Paybox: signature is not base64") from error
        body = segments[:-1]
        # Paybox signs what it appended; when the notification URL carried its own parameters,
        # some integrations see only Paybox's variables signed: accept either, read only signed ones.
        ours = {name for name, _ in RETURNED}
        candidates = [body]
        only_paybox = [seg for seg in body if seg.split("=", 1)[0] in ours]
        if only_paybox != body:
            candidates.append(only_paybox)
        for signed in candidates:
            if signed and verify_rsa_sha1(self.public_key, "&".join(signed).encode("utf-8"), signature):
                return self._parse(signed)
        raise InvalidNotification("Paybox: signature does not match")

    @staticmethod
    def _parse(segments: list[str]) -> dict[str, str]:
        data: dict[str, str] = {}
        for segment in segments:
            name, _, value = segment.partition("=")
            name = unquote_plus(name)
            if name in data:
                raise InvalidNotification(f"Paybox: {name} given twice")
            data[name] = unquote_plus(value)
        return data

    def _outcome(self, data: dict[str, str], raw: str) -> VerifiedOutcome:
        for name in ("montant", "reference", "erreur"):
            if name not in data:
                raise InvalidNotification(f"Paybox: {name} missing")
        if not re.fullmatch(r"\d{5}", data["erreur"]):
            raise InvalidNotification("Paybox: malformed error code")
        if not re.fullmatch(r"\d{1,10}", data["montant"]):
            raise InvalidNotification("Paybox: malformed amount")
        if not data["reference"]:
            raise InvalidNotification("Paybox: empty reference")
        return VerifiedOutcome(
            reference=data["reference"],
            outcome=outcome_for_error(data["erreur"]),
            amount_cents=int(data["montant"]),
            # Paybox returns no currency: it is the PBX_DEVISE we signed, and we sign only euros.
            currency="EUR",
            transaction_id=data.get("trans") or data.get("appel") or "",
            raw={**data, "query": raw},
        )

    def notification_response(self, ok: bool) -> tuple[int, str, str]:
        # Paybox only looks at the status; an empty page is what its examples return.
        return (200, "text/plain", "") if ok else (500, "text/plain", "RETRY")
