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
"""

import base64
import datetime
import hashlib
import hmac
import re
import secrets
from urllib.parse import parse_qsl

from .base import (
    BrowserAction,
    Gateway,
    GatewayError,
    InvalidNotification,
    Outcome,
    PaymentRequest,
    VerifiedOutcome,
)

URL = "https://paiement.systempay.fr/vads-payment/"
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
    PRODUCTION), url (payment page; default Systempay's), return_mode (GET, POST or NONE; default GET)."""

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
