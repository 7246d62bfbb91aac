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

The look-up (reconciliation of a lost notification) goes through Paybox Direct, the server-to-server
"PPPS" interface, an option of the Paybox contract (without its credentials here, no look-up).
Relied on:
- Paybox's integrator page "Solutions Paybox Direct et Paybox Direct Plus" (espace-integrateur-
  documentation/les-solutions-paybox-direct-et-paybox-direct-plus, for manual V8.1): an HTTPS POST of
  URL-encoded variables to PPPS.php, the answer in the same format in the same session; SITE, RANG
  and NUMQUESTION are always repeated as asked ("il est conseillé de vérifier ces valeurs") and
  CODEREPONSE 00000 means the question was processed;
- the URLs https://ppps.paybox.com/PPPS.php, https://ppps1.paybox.com/PPPS.php (backup) and
  https://preprod-ppps.paybox.com/PPPS.php, VERSION 00104 (Direct Plus), DATEQ ddmmyyyyhhmmss,
  NUMQUESTION at most 2147483647 and unique over the day, as in nexylan/paybox-direct
  (Paybox.php, AbstractHttpClient.php) and BenMorel/Paybox (PayboxDirect.php);
- the HMAC variant from BenMorel/Paybox (Paybox::execute, hashHMAC): HASH=SHA512 and HMAC = upper-case
  hex HMAC-SHA512, keyed with the hex-decoded HMAC key of the site, over ``k=v&k=v`` of the variables
  in posted order, in place of the back-office password CLE (which nexylan and Hyperswitch send);
- the questions, from BenMorel/Paybox's live test suite against the pre-production server
  (tests/PayboxDirectTest.php): 00011 "check transaction existence" takes MONTANT, DEVISE and
  REFERENCE and answers the NUMTRANS and NUMAPPEL of the transaction made for that reference, or
  CODEREPONSE 00018 "transaction not found"; 00017 "inquiry" takes the NUMTRANS and answers a STATUS,
  a French word sent in ISO-8859-1 ("Capturé"), or 00018;
- the STATUS words of nexylan/paybox-direct (Enum/Status.php) and of the Paybox connector of
  Hyperswitch (Rust, found by code search: PayboxStatus, answers decoded as ISO-8859): Remboursé,
  Annulé, Autorisé, Capturé, Crédit, Refusé, Rejet support, Demande de solde (Carte cadeaux).
Not found in what could be read (the manual itself was not): whether 00017 also takes a REFERENCE
(every client above asks it by NUMTRANS, hence 00011 first), and whether answers repeat REFERENCE or
give a MONTANT (checked, or used, when they do).
There is no signature on a PPPS answer: it is trusted because it comes over TLS from the configured
Paybox host (plain HTTP is refused but for a loopback test server), in answer to a question that
carried our credentials, and only once it repeats our SITE, RANG, NUMQUESTION (and REFERENCE or
NUMTRANS when it gives them).
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import re
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode
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
    fetch,
    secure_url,
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


# --- Paybox Direct (PPPS): the look-up --------------------------------------------------------------

PPPS_URLS = {
    "test": "https://preprod-ppps.paybox.com/PPPS.php",
    "prod": "https://ppps.paybox.com/PPPS.php",
    "backup": "https://ppps1.paybox.com/PPPS.php",
}
PPPS_VERSION = "00104"
CHECK_EXISTENCE = "00011"  # by REFERENCE and MONTANT: the NUMTRANS and NUMAPPEL of the transaction
INQUIRY = "00017"  # by NUMTRANS: its STATUS
PPPS_OK = "00000"
PPPS_NOT_FOUND = "00018"
MAX_ANSWER = 100_000  # bytes: a PPPS answer is a few hundred

# An inquiry's STATUS. "Autorisé" is money the bank granted that Paybox System captures at the day's
# remittance (we never ask for authorisation only), as the notification's 00000 is. Any other word
# (Remboursé, Crédit, Rejet support, …) says nothing we could act on: the attempt stays pending, the
# answer kept on its notification for staff.
PPPS_STATUSES = {
    "Capturé": Outcome.CONFIRMED,
    "Autorisé": Outcome.CONFIRMED,
    "Refusé": Outcome.FAILED,
    "Annulé": Outcome.CANCELLED,
}


class QuestionNumbers:
    """NUMQUESTION: at most 2147483647 and never twice in a day for the site (Paybox refuses a number
    already used). The tenth of a millisecond of the UTC day (below 864 000 000), moved past the
    last one this process gave when the clock has not moved on."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last: tuple[datetime.date, int] | None = None

    def next(self, now: datetime.datetime | None = None) -> str:
        now = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
        value = ((now.hour * 60 + now.minute) * 60 + now.second) * 10_000 + now.microsecond // 100
        with self._lock:
            if self._last is not None and self._last[0] == now.date() and value <= self._last[1]:
                value = self._last[1] + 1
            self._last = (now.date(), value)
        return f"{value:010d}"


QUESTION_NUMBERS = QuestionNumbers()


def decode_answer(content: bytes) -> dict[str, str]:
    """A PPPS answer: ``NAME=value&…``, in ISO-8859-1 (UTF-8 read as well), values possibly
    percent-encoded. Raise GatewayError when it is not that (an HTML error page, a truncated body)."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    text = text.strip()
    if not text or "<" in text.split("=", 1)[0]:
        raise GatewayError("Paybox Direct: the answer is not URL-encoded variables")
    try:
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
        except UnicodeDecodeError:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, encoding="latin-1")
    except ValueError as error:
        raise GatewayError("Paybox Direct: the answer is not URL-encoded variables") from error
    answer: dict[str, str] = {}
    for name, value in pairs:
        if name in answer:
            raise GatewayError(f"Paybox Direct: {name} given twice in the answer")
        answer[name] = value.strip()
    return answer


def same_number(given: str | None, asked: str) -> bool:
    """SITE, RANG, NUMQUESTION, NUMTRANS as repeated by Paybox, which may pad them with zeros."""
    if not given:
        return False
    if given.isascii() and given.isdigit() and asked.isascii() and asked.isdigit():
        return int(given) == int(asked)
    return given == asked


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


# --- the gateway -----------------------------------------------------------------------------------


class PayboxGateway(Gateway):
    """Options: site (7 digits), rang (2-3 digits), identifiant, key (HMAC secret, hex), url (payment
    page; default production), public_key_pem (default: Paybox's published key).
    The look-up (Paybox Direct): ppps_url (default production), and its credentials, either
    ppps_hmac (true: questions signed with `key`) or ppps_cle (the Paybox Direct password); without
    either, this instance has no look-up. timeout: seconds for a question (default 15)."""

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
        self.ppps_url = secure_url(str(options.get("ppps_url") or PPPS_URLS["prod"]), "Paybox ppps_url")
        self.ppps_hmac = _flag(options.get("ppps_hmac"))
        self.ppps_cle = str(options.get("ppps_cle") or "").strip()
        self.supports_lookup = self.ppps_hmac or bool(self.ppps_cle)
        self.timeout = float(options.get("timeout") or 15)

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

    # --- look-up through Paybox Direct ------------------------------------------------------------

    def lookup(self, reference: str, *, transaction_id: str = "") -> VerifiedOutcome:
        raise GatewayError("Paybox finds a payment by its reference and amount: use lookup_attempt()")

    def lookup_attempt(
        self, reference: str, *, amount_cents: int, currency: str, transaction_id: str = ""
    ) -> VerifiedOutcome:
        """00011 finds the transaction made for our reference and amount, 00017 tells its status.
        Not found: still pending (the student may be on the payment page, or left it).
        `transaction_id` is not used: a pending attempt has none from Paybox."""
        if not self.supports_lookup:
            raise GatewayError("Paybox Direct credentials (ppps_hmac or ppps_cle) are not set")
        if currency not in CURRENCIES:
            raise GatewayError(f"Paybox: currency {currency} not configured")
        if not 0 < amount_cents < 10**10:
            raise GatewayError("Paybox: amount out of range")
        found = self.ask(
            CHECK_EXISTENCE,
            [("MONTANT", f"{amount_cents:010d}"), ("DEVISE", CURRENCIES[currency]), ("REFERENCE", reference)],
        )
        if found.get("REFERENCE") and found["REFERENCE"] != reference:
            raise GatewayError("Paybox Direct: the answer is about another reference")
        if found["CODEREPONSE"] == PPPS_NOT_FOUND:
            return self._lookup_outcome(reference, Outcome.PENDING, None, "", {"existence": found})
        numtrans, numappel = found.get("NUMTRANS", ""), found.get("NUMAPPEL", "")
        for name, value in (("NUMTRANS", numtrans), ("NUMAPPEL", numappel)):
            if not (re.fullmatch(r"\d{1,10}", value) and int(value)):
                raise GatewayError(f"Paybox Direct: no usable {name} in the answer")
        inquiry = self.ask(INQUIRY, [("NUMTRANS", numtrans), ("NUMAPPEL", numappel)])
        if "NUMTRANS" in inquiry and not same_number(inquiry["NUMTRANS"], numtrans):
            raise GatewayError("Paybox Direct: the answer is about another transaction")
        if inquiry.get("REFERENCE") and inquiry["REFERENCE"] != reference:
            raise GatewayError("Paybox Direct: the answer is about another reference")
        raw = {"existence": found, "inquiry": inquiry}
        if inquiry["CODEREPONSE"] == PPPS_NOT_FOUND:
            return self._lookup_outcome(reference, Outcome.PENDING, None, numtrans, raw)
        outcome = PPPS_STATUSES.get(inquiry.get("STATUS", ""), Outcome.PENDING)
        # The amount: Paybox's when it gives one; otherwise the one 00011 matched, which is the one we
        # signed in PBX_TOTAL for this reference (Paybox refuses a form whose HMAC does not match).
        montant = inquiry.get("MONTANT", "")
        if montant:
            if not re.fullmatch(r"\d{1,10}", montant):
                raise GatewayError("Paybox Direct: malformed MONTANT in the answer")
            amount = int(montant)
        else:
            amount = amount_cents
        return self._lookup_outcome(reference, outcome, amount, numtrans, raw)

    @staticmethod
    def _lookup_outcome(reference, outcome, amount, numtrans, raw) -> VerifiedOutcome:
        return VerifiedOutcome(
            reference=reference,
            outcome=outcome,
            amount_cents=amount,
            currency="EUR" if amount is not None else None,  # the only currency we sign
            transaction_id=numtrans,
            raw=raw,
        )

    def question(self, kind: str, fields: list[tuple[str, str]], number: str, when: datetime.datetime):
        """The variables of one question, in the order posted (the HMAC covers them in that order)."""
        posted = [
            ("VERSION", PPPS_VERSION),
            ("TYPE", kind),
            ("SITE", str(self.options["site"]).strip()),
            ("RANG", str(self.options["rang"]).strip()),
            ("NUMQUESTION", number),
            ("DATEQ", when.strftime("%d%m%Y%H%M%S")),
            *fields,
        ]
        if self.ppps_hmac:
            posted.append(("HASH", "SHA512"))
            return [*posted, ("HMAC", hmac_fields(posted, self.key))]
        return [*posted, ("CLE", self.ppps_cle)]

    def ask(self, kind: str, fields: list[tuple[str, str]]) -> dict[str, str]:
        """Post one question; the answer once it is found to be Paybox's answer to it, with its
        CODEREPONSE 00000 or 00018 (not found); any other code is a GatewayError."""
        number = QUESTION_NUMBERS.next()
        posted = self.question(kind, fields, number, datetime.datetime.now(datetime.UTC))
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.ppps_url,
            data=urlencode(posted).encode("ascii"),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        content = fetch(request, timeout=self.timeout, limit=MAX_ANSWER, service="Paybox Direct")
        answer = decode_answer(content)
        code = answer.get("CODEREPONSE", "")
        if code not in (PPPS_OK, PPPS_NOT_FOUND):
            if not re.fullmatch(r"\d{5}", code):
                raise GatewayError("Paybox Direct: answer without CODEREPONSE")
            raise GatewayError(f"Paybox Direct {code}: {answer.get('COMMENTAIRE', '')}"[:200])
        asked = dict(posted)
        for name in ("SITE", "RANG", "NUMQUESTION"):
            if not same_number(answer.get(name), asked[name]):
                raise GatewayError(f"Paybox Direct: the answer does not repeat our {name}")
        return answer
