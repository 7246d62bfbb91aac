"""The built-in payment simulator: a small bank served by Matricule under its own prefix,
speaking a signed-form protocol like the real gateways (HMAC-SHA256 over sorted fields).
Enabled in the demo and the tests; production settings never route to it."""

import functools
import hashlib
import hmac
import os
import secrets
import urllib.parse
from pathlib import Path

from django.urls import reverse

from ..gateways import base as gateways

STATUSES = {
    "confirmed": gateways.Outcome.CONFIRMED,
    "failed": gateways.Outcome.FAILED,
    "cancelled": gateways.Outcome.CANCELLED,
    "pending": gateways.Outcome.PENDING,
}


def sign(fields: dict[str, str], secret: str) -> str:
    message = "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "signature")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed(fields: dict[str, str], secret: str) -> dict[str, str]:
    return {**fields, "signature": sign(fields, secret)}


def verify(fields: dict[str, str], secret: str) -> bool:
    given = fields.get("signature", "")
    return bool(given) and hmac.compare_digest(given, sign(fields, secret))


def instance_secret(path: Path) -> str:
    """The secret kept in `path`, drawn at random (256 bits) and written there, readable by its
    owner only, the first time. Processes starting together (web server, task worker) all end up
    with the one that reached the file first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)  # never replaces: another process's secret, once there, is kept
        except FileExistsError:
            pass
        except OSError:
            # A file system without hard links: moved instead (two processes racing there may sign
            # one attempt each with a different secret, in a demo).
            os.replace(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise gateways.GatewayError(f"payment simulator secret in {path} is too short: delete the file")
    return secret


class SimulatorGateway(gateways.Gateway):
    """Options: secret, or secret_file (where this instance's secret is kept; created on first
    use). Without either the simulator is off."""

    code = "simulator"
    supports_lookup = True
    supports_refund = True

    def __init__(self, options: dict):
        super().__init__(options)
        if not (options.get("secret") or options.get("secret_file")):
            raise gateways.GatewayError("the payment simulator is not enabled")

    @functools.cached_property
    def secret(self) -> str:
        return self.options.get("secret") or instance_secret(Path(self.options["secret_file"]))

    def start(self, request: gateways.PaymentRequest) -> gateways.BrowserAction:
        fields = signed(
            {
                "reference": request.reference,
                "amount": str(request.amount_cents),
                "currency": request.currency,
                "label": request.label,
                "email": request.email,
                "return_url": request.return_url,
                "notify_url": request.notify_url,
                "cancel_url": request.cancel_url,
            },
            self.secret,
        )
        return gateways.BrowserAction(url=reverse("payment-simulator:card"), method="POST", fields=fields)

    def verify_notification(self, method, query, body, content_type="") -> gateways.VerifiedOutcome:
        raw = body.decode("utf-8", "replace") if method == "POST" else query
        fields = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
        if not verify(fields, self.secret):
            raise gateways.InvalidNotification("bad signature")
        try:
            return gateways.VerifiedOutcome(
                reference=fields["reference"],
                outcome=STATUSES[fields["status"]],
                amount_cents=int(fields["amount"]),
                currency=fields["currency"],
                transaction_id=fields.get("transaction_id", ""),
                raw=fields,
            )
        except (KeyError, ValueError) as error:
            raise gateways.InvalidNotification(f"malformed: {error}") from None

    def lookup(self, reference: str, *, transaction_id: str = "") -> gateways.VerifiedOutcome:
        from ..models import SimulatedBankTransaction

        bank = SimulatedBankTransaction.objects.filter(reference=reference).order_by("-created_at").first()
        if bank is None:
            return gateways.VerifiedOutcome(
                reference=reference, outcome=gateways.Outcome.PENDING, amount_cents=None, currency=None
            )
        return gateways.VerifiedOutcome(
            reference=reference,
            outcome=STATUSES[bank.status],
            amount_cents=bank.amount_cents,
            currency=bank.currency,
            transaction_id=bank.transaction_id,
        )

    def refund(
        self, reference: str, amount_cents: int, *, transaction_id: str = ""
    ) -> gateways.VerifiedOutcome:
        from ..models import SimulatedBankTransaction

        bank = SimulatedBankTransaction.objects.filter(transaction_id=transaction_id).first()
        if bank is None:
            # As a bank answers: refused, which callers show staff (not a server error).
            raise gateways.GatewayError(f"the bank knows no transaction {transaction_id!r}")
        bank.refunded_cents += amount_cents
        bank.save(update_fields=["refunded_cents"])
        return self.lookup(reference)
