"""The one interface every payment gateway adapter implements.

A gateway never touches our models: it turns our payment request into what the student's
browser must do, and a gateway's notification (or a look-up) into a verified outcome that the
payments service then matches to our row by our own reference.
"""

import datetime
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from matricule.net import tls_or_loopback


class Outcome(StrEnum):
    CONFIRMED = "confirmed"  # money taken
    FAILED = "failed"  # refused by the bank / card
    CANCELLED = "cancelled"  # the student gave up
    PENDING = "pending"  # not decided yet


@dataclass(frozen=True)
class Billing:
    """Who pays and where they live, as card payments' 3-D Secure v2 asks: the student's name and
    address during the year, as they typed it. Each gateway formats it as it needs."""

    first_name: str
    last_name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""  # a country name as typed ("France"), or an ISO 3166 code


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # our unique reference for the attempt (ASCII letters, digits, '-')
    amount_cents: int
    currency: str  # ISO 4217 alphabetic, "EUR"
    email: str
    label: str  # shown on the payment page, e.g. "Droits d'inscription 2024-2025"
    return_url: str  # where the browser comes back (absolute)
    notify_url: str  # server-to-server notification address (absolute)
    cancel_url: str  # where the browser goes when the student cancels (absolute)
    language: str = "fr"
    created_at: datetime.datetime | None = None
    billing: Billing | None = None


@dataclass(frozen=True)
class BrowserAction:
    """What the student's browser must do next: follow a link (GET) or post a form."""

    url: str
    method: str = "GET"  # "GET" or "POST"
    fields: dict[str, str] = field(default_factory=dict)  # form fields to POST


@dataclass(frozen=True)
class VerifiedOutcome:
    """A gateway's word about one of our payments, once its authenticity is checked."""

    reference: str
    outcome: Outcome
    amount_cents: int | None
    currency: str | None
    transaction_id: str = ""  # the gateway's own id
    raw: dict = field(default_factory=dict)  # what the gateway said, for the record


class GatewayError(Exception):
    """The gateway cannot be used now (network, configuration)."""


class InvalidNotification(Exception):
    """A notification that is forged, tampered with or malformed: never acted upon."""


class Gateway:
    """Base class. `code` names the gateway in settings and in the payment rows."""

    code: str = ""
    supports_refund: bool = False
    supports_lookup: bool = False  # an instance may set it from its options (credentials given)

    def __init__(self, options: dict):
        self.options = options

    def start(self, request: PaymentRequest) -> BrowserAction:
        raise NotImplementedError

    def verify_notification(
        self, method: str, query: str, body: bytes, content_type: str = ""
    ) -> VerifiedOutcome:
        """Authenticate a notification (server-to-server call or browser return) from its
        raw parts; raise InvalidNotification when it is not genuine."""
        raise NotImplementedError

    def lookup(self, reference: str, *, transaction_id: str = "") -> VerifiedOutcome:
        """Ask the gateway what became of a payment (reconciliation)."""
        raise NotImplementedError

    def lookup_attempt(
        self, reference: str, *, amount_cents: int, currency: str, transaction_id: str = ""
    ) -> VerifiedOutcome:
        """lookup(), told what the attempt asked for: a gateway that finds a payment only by its
        reference and amount (Paybox Direct) overrides this; the others ignore the amount."""
        return self.lookup(reference, transaction_id=transaction_id)

    def refund(self, reference: str, amount_cents: int, *, transaction_id: str = "") -> VerifiedOutcome:
        raise NotImplementedError

    def notification_response(self, ok: bool) -> tuple[int, str, str]:
        """(status, content type, body) to answer the gateway: a failure makes it retry."""
        return (200, "text/plain", "OK") if ok else (500, "text/plain", "RETRY")


def secure_url(url: str, what: str) -> str:
    """An HTTPS address; plain HTTP only to this machine (a test double): the answers of a look-up
    are trusted for coming over TLS from the gateway's host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise GatewayError(f"{what} is not a URL: {url!r}") from None
    if parts.hostname and tls_or_loopback(parts):
        return url
    raise GatewayError(f"{what} must be an https:// address: {url!r}")


def fetch(request: urllib.request.Request, *, timeout: float, limit: int, service: str) -> bytes:
    """The body of the answer to `request` (sent to an address `secure_url` accepted), `limit`
    bytes at most; a GatewayError naming `service` when it cannot be reached, answers an HTTP
    error or more than `limit` bytes."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - secure_url
            content = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise GatewayError(f"{service}: HTTP {error.code}") from error
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        raise GatewayError(f"{service} unreachable: {error}") from error
    if len(content) > limit:
        raise GatewayError(f"{service}: answer too long")
    return content
