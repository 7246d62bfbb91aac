"""Systempay (Lyra, Banque Populaire / Caisse d'Épargne; same platform as PayZen): signed vads_* form
POST, signed notification (IPN).

Followed (Lyra's "Formulaire en redirection" documentation, paiement.systempay.fr/doc):
- "Calculer la signature" / "Calculer la signature de l'IPN": every field whose name starts with
  ``vads_``, sorted by name, values (UTF-8) joined with "+", then "+" and the key of the mode in
  vads_ctx_mode; HMAC-SHA-256 keyed with that key, Base64. SHA-1 of the same string is the
  deprecated legacy algorithm: not implemented (a shop chooses its algorithm in its back office and
  HMAC-SHA-256 is the one Lyra recommends); the string is tested against the published SHA-1
  example so that both would agree;
- "vads_trans_id": 6 alphanumeric characters, case-insensitive, unique per shop and UTC day,
  900000-999999 reserved to the platform; "vads_trans_date": UTC, YYYYMMDDHHMMSS;
- "vads_trans_status": ABANDONED, ACCEPTED (a VERIFICATION, never captured), AUTHORISED,
  AUTHORISED_TO_VALIDATE, CANCELLED, CAPTURED, CAPTURE_FAILED, EXPIRED, …;
- ../shared/reference/french-registration-systems.md §6 "Lyra / Systempay" and eopayment 3.15
  ``systempayv2.py`` (same algorithm; eopayment compares signatures with == and reports a bad one
  as a flag, we refuse it with a constant-time comparison).

The look-up (reconciliation of a lost IPN) uses Lyra's REST API, followed:
- "Web service Order/Get" (paiement.systempay.fr/doc/…/rest/V4.0/api/playground/Order/Get): POST
  https://api.systempay.fr/api-payment/V4/Order/Get with {"orderId", "operationType": "DEBIT"}, HTTP
  Basic authentication, answering an OrderTransactions object with every transaction made for that
  order reference (30 at most, else PSP_015);
- "Specifications of REST data exchange" (docs.lyra.com/…/kb/webservice_usage.html): JSON in and out,
  Basic authentication with the shop id and the REST API password of the mode (test or production),
  the answer wrapped as {"webService", "version", "status": "SUCCESS" | "ERROR", "answer"};
- "Analyzing the response" (paiement.systempay.fr/doc/…/analyzing-the-response.html): shopId,
  orderStatus PAID / UNPAID / RUNNING, orderDetails.orderId and orderDetails.mode TEST / PRODUCTION,
  the transactions' uuid, amount in the smallest unit of currency (ISO 4217 alphabetic), status and
  detailedStatus (the vads_trans_status words above);
- the wire behaviour a live-verified fake of the same Lyra V4 API records (an in-memory PayZen
  gateway found by the code search): always HTTP 200, an unknown order answered ERROR PSP_010,
  wrong credentials ERROR INT_905, each transaction carrying orderDetails {orderId, mode}.
Nothing of the answer is signed: it is trusted because it comes over TLS from the configured API
host in answer to our authenticated call, and only once it is for our shop, our order and our mode.
"""

import base64
import datetime
import hashlib
import hmac
import json
import re
import secrets
import urllib.error
import urllib.request
from urllib.parse import parse_qsl

from .base import (
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

URL = "https://paiement.systempay.fr/vads-payment/"
API_URL = "https://api.systempay.fr/api-payment/"
MAX_ANSWER = 1_000_000  # bytes: 30 transactions of a few kilobytes at most
NOT_FOUND = "PSP_010"  # no transaction for that order: the student has not paid (yet)
CURRENCIES = {"EUR": "978"}
CURRENCY_CODES = {"978": "EUR", "840": "USD", "826": "GBP", "756": "CHF"}

STATUSES = {
    "AUTHORISED": Outcome.CONFIRMED,  # captured automatically at the planned date
    "CAPTURED": Outcome.CONFIRMED,
    "REFUSED": Outcome.FAILED,
    "CAPTURE_FAILED": Outcome.FAILED,
    "EXPIRED": Outcome.FAILED,  # authorisation lapsed before capture: nothing taken
    "NOT_CREATED": Outcome.FAILED,
    "ABANDONED": Outcome.CANCELLED,
    "CANCELLED": Outcome.CANCELLED,
    # ACCEPTED is a card VERIFICATION, "never captured" per Lyra: no money, so not a confirmation.
    # AUTHORISED_TO_VALIDATE, WAITING_AUTHORISATION, UNDER_VERIFICATION…: not decided yet.
}


def signing_string(fields: dict[str, str], key: str) -> str:
    return "+".join(fields[name] for name in sorted(fields) if name.startswith("vads_")) + "+" + key


def sign(fields: dict[str, str], key: str) -> str:
    digest = hmac.new(key.encode("utf-8"), signing_string(fields, key).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def make_trans_id(when: datetime.datetime, rand=secrets.randbelow) -> str:
    """Six base-36 characters from the hundredth of a second of the UTC day and a random 0-61:
    two attempts collide only in the same 10 ms with the same draw, far rarer than six random
    characters at a busy opening day. The largest value (8 639 999 × 62 + 61) starts with "8",
    below the 9xxxxx range the platform keeps."""
    when = when.astimezone(datetime.UTC)
    centis = ((when.hour * 60 + when.minute) * 60 + when.second) * 100 + when.microsecond // 10_000
    number = centis * 62 + rand(62)
    chars = []
    for _ in range(6):
        number, digit = divmod(number, 36)
        chars.append(_BASE36[digit])
    return "".join(reversed(chars))


class SystempayGateway(Gateway):
    """Options: site_id (8 digits), key (the key of ctx_mode, from the back office), ctx_mode (TEST or
    PRODUCTION), url (payment page; default Systempay's), return_mode (GET, POST or NONE; default GET).
    The look-up: rest_password (the REST API password of ctx_mode; without it, no look-up), api_url
    (default Systempay's), timeout (seconds, default 15)."""

    code = "systempay"

    def __init__(self, options: dict):
        super().__init__(options)
        self.site_id = str(options.get("site_id") or "").strip()
        if not re.fullmatch(r"\d{8}", self.site_id):
            raise GatewayError("Systempay option 'site_id' must be the 8-digit shop id")
        self.key = str(options.get("key") or "")
        if not self.key:
            raise GatewayError("Systempay option 'key' is not set")
        self.ctx_mode = str(options.get("ctx_mode") or "TEST").strip().upper()
        if self.ctx_mode not in ("TEST", "PRODUCTION"):
            raise GatewayError("Systempay option 'ctx_mode' must be TEST or PRODUCTION")
        self.url = options.get("url") or URL
        self.return_mode = str(options.get("return_mode") or "GET").upper()
        if self.return_mode not in ("GET", "POST", "NONE"):
            raise GatewayError("Systempay option 'return_mode' must be GET, POST or NONE")
        self._rand = secrets.randbelow
        self.rest_password = str(options.get("rest_password") or "").strip()
        self.api_url = secure_url(str(options.get("api_url") or API_URL), "Systempay api_url")
        self.supports_lookup = bool(self.rest_password)
        self.timeout = float(options.get("timeout") or 15)

    def form_fields(self, request: PaymentRequest) -> dict[str, str]:
        if request.currency not in CURRENCIES:
            raise GatewayError(f"Systempay: currency {request.currency} not configured")
        if request.amount_cents <= 0:
            raise GatewayError("Systempay: amount must be positive")
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", request.reference):
            raise GatewayError("Systempay: vads_order_id must be 1 to 64 letters, digits or '-'")
        when = (request.created_at or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
        fields = {
            "vads_action_mode": "INTERACTIVE",
            "vads_amount": str(request.amount_cents),
            "vads_ctx_mode": self.ctx_mode,
            "vads_currency": CURRENCIES[request.currency],
            "vads_cust_email": request.email,
            "vads_language": request.language[:2].lower() or "fr",
            "vads_order_id": request.reference,
            "vads_order_info": request.label[:255],
            "vads_page_action": "PAYMENT",
            "vads_payment_config": "SINGLE",
            "vads_return_mode": self.return_mode,
            "vads_site_id": self.site_id,
            "vads_trans_date": when.strftime("%Y%m%d%H%M%S"),
            "vads_trans_id": make_trans_id(when, self._rand),
            "vads_url_cancel": request.cancel_url,
            "vads_url_check": request.notify_url,
            "vads_url_error": request.return_url,
            "vads_url_refused": request.return_url,
            "vads_url_return": request.return_url,
            "vads_url_success": request.return_url,
            "vads_version": "V2",
        }
        fields["signature"] = sign(fields, self.key)
        return fields

    def start(self, request: PaymentRequest) -> BrowserAction:
        return BrowserAction(url=self.url, method="POST", fields=self.form_fields(request))

    def verify_notification(
        self, method: str, query: str, body: bytes, content_type: str = ""
    ) -> VerifiedOutcome:
        # The IPN is a form POST; the browser comes back with the same fields by GET or POST.
        try:
            text = body.decode("utf-8") if body else query
        except UnicodeDecodeError as error:
            raise InvalidNotification("Systempay: body is not UTF-8") from error
        fields: dict[str, str] = {}
        for name, value in parse_qsl(text, keep_blank_values=True):  # empty fields are signed too
            if name in fields:
                raise InvalidNotification(f"Systempay: {name} given twice")
            fields[name] = value
        given = fields.get("signature", "")
        if not given:
            raise InvalidNotification("Systempay: no signature")
        # Checked before the signature: a test-mode key is shared more widely than the production
        # one and must never vouch for a production payment.
        if fields.get("vads_ctx_mode") != self.ctx_mode:
            raise InvalidNotification("Systempay: notification for another mode")
        if not hmac.compare_digest(sign(fields, self.key).encode(), given.encode("utf-8", "replace")):
            raise InvalidNotification("Systempay: signature does not match")
        if fields.get("vads_site_id") != self.site_id:
            raise InvalidNotification("Systempay: notification for another shop")
        return self._outcome(fields)

    @staticmethod
    def _outcome(fields: dict[str, str]) -> VerifiedOutcome:
        reference = fields.get("vads_order_id", "")
        if not reference:
            raise InvalidNotification("Systempay: no vads_order_id")
        amount = fields.get("vads_amount", "")
        if not re.fullmatch(r"\d{1,12}", amount):
            raise InvalidNotification("Systempay: malformed vads_amount")
        currency = fields.get("vads_currency", "")
        outcome = STATUSES.get(fields.get("vads_trans_status", ""), Outcome.PENDING)
        if fields.get("vads_operation_type", "DEBIT") != "DEBIT":
            outcome = Outcome.PENDING  # a refund (CREDIT) says nothing about the payment itself
        raw = {name: value for name, value in fields.items() if name != "signature"}
        return VerifiedOutcome(
            reference=reference,
            outcome=outcome,
            amount_cents=int(amount),
            currency=CURRENCY_CODES.get(currency, currency or None),
            transaction_id=fields.get("vads_trans_uuid", ""),
            raw=raw,
        )

    # --- look-up through the REST API -------------------------------------------------------------

    def lookup(self, reference: str, *, transaction_id: str = "") -> VerifiedOutcome:
        """Order/Get: every payment transaction made for our reference. Paid when one was
        authorised or captured (the amount: what those took); refused or cancelled when every one
        was; otherwise, or when there is none yet, still pending."""
        if not self.supports_lookup:
            raise GatewayError("Systempay REST API password (rest_password) is not set")
        answer = self.call("Order/Get", {"orderId": reference, "operationType": "DEBIT"})
        if answer is None:
            return VerifiedOutcome(
                reference=reference, outcome=Outcome.PENDING, amount_cents=None, currency=None
            )
        transactions = self._checked_transactions(answer, reference)
        kept = ("uuid", "amount", "currency", "detailedStatus", "creationDate")
        raw = {
            "orderStatus": answer.get("orderStatus"),
            "transactions": [{name: item.get(name) for name in kept} for item in transactions],
        }
        debits = [item for item in transactions if item.get("operationType", "DEBIT") == "DEBIT"]
        outcomes = [STATUSES.get(item["detailedStatus"], Outcome.PENDING) for item in debits]
        paid = [item for item, outcome in zip(debits, outcomes, strict=True) if outcome == Outcome.CONFIRMED]
        if paid:
            currencies = {item["currency"] for item in paid}
            if len(currencies) > 1:
                raise GatewayError("Systempay: an order paid in several currencies")
            # Two payments for one order add up: the caller then sees more than was due.
            return VerifiedOutcome(
                reference=reference,
                outcome=Outcome.CONFIRMED,
                amount_cents=sum(item["amount"] for item in paid),
                currency=currencies.pop(),
                transaction_id=paid[0]["uuid"],
                raw=raw,
            )
        if not debits or Outcome.PENDING in outcomes:
            outcome = Outcome.PENDING
        else:
            outcome = Outcome.FAILED if Outcome.FAILED in outcomes else Outcome.CANCELLED
        last = debits[-1] if debits else None
        return VerifiedOutcome(
            reference=reference,
            outcome=outcome,
            amount_cents=last["amount"] if last else None,
            currency=last["currency"] if last else None,
            transaction_id=last["uuid"] if last else "",
            raw=raw,
        )

    def _checked_transactions(self, answer: dict, reference: str) -> list[dict]:
        """The answer's transactions, once it is for our shop, our order and our mode, each well
        formed; a GatewayError otherwise."""
        if answer.get("_type", "V4/OrderTransactions") != "V4/OrderTransactions":
            raise GatewayError("Systempay: Order/Get did not answer OrderTransactions")
        if str(answer.get("shopId")) != self.site_id:
            raise GatewayError("Systempay: the answer is for another shop")
        details = answer.get("orderDetails")
        if isinstance(details, dict) and details.get("orderId") not in (None, reference):
            raise GatewayError("Systempay: the answer is for another order")
        transactions = answer.get("transactions")
        if not isinstance(transactions, list):
            raise GatewayError("Systempay: the answer has no list of transactions")
        for item in transactions:
            if not isinstance(item, dict):
                raise GatewayError("Systempay: a transaction is not an object")
            details = item.get("orderDetails")
            if not isinstance(details, dict) or details.get("orderId") != reference:
                raise GatewayError("Systempay: a transaction of another order")
            # A payment made in test mode costs nothing: it must never count in production.
            if details.get("mode") != self.ctx_mode:
                raise GatewayError(f"Systempay: a transaction made in mode {details.get('mode')!r}")
            if "shopId" in item and str(item["shopId"]) != self.site_id:
                raise GatewayError("Systempay: a transaction of another shop")
            amount = item.get("amount")
            if not (isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount < 10**12):
                raise GatewayError("Systempay: a transaction without a usable amount")
            if not (isinstance(item.get("currency"), str) and re.fullmatch(r"[A-Z]{3}", item["currency"])):
                raise GatewayError("Systempay: a transaction without a usable currency")
            if not isinstance(item.get("detailedStatus"), str) or not isinstance(item.get("uuid"), str):
                raise GatewayError("Systempay: a transaction without status or uuid")
        return transactions

    def call(self, service: str, payload: dict) -> dict | None:
        """One REST web service; its answer, None for PSP_010 (not found), GatewayError otherwise."""
        credentials = base64.b64encode(f"{self.site_id}:{self.rest_password}".encode()).decode("ascii")
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.api_url.rstrip("/") + "/V4/" + service,
            data=json.dumps(payload).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Basic {credentials}",
            },
        )
        content = fetch(request, timeout=self.timeout, limit=MAX_ANSWER, service="Systempay REST API")
        try:
            envelope = json.loads(content)
        except ValueError as error:
            raise GatewayError("Systempay REST API: the answer is not JSON") from error
        if not isinstance(envelope, dict) or not isinstance(envelope.get("answer"), dict):
            raise GatewayError("Systempay REST API: the answer is not a web service response")
        if envelope.get("webService", service) != service:
            raise GatewayError("Systempay REST API: the answer is for another web service")
        answer = envelope["answer"]
        if envelope.get("status") == "SUCCESS":
            return answer
        if envelope.get("status") == "ERROR":
            code = str(answer.get("errorCode") or "")
            if code == NOT_FOUND:
                return None
            raise GatewayError(f"Systempay {code or 'error'}: {answer.get('errorMessage') or ''}"[:200])
        raise GatewayError("Systempay REST API: the answer has no status")
