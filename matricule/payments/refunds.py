"""Refunding what a registration paid: the student's refund request (requests) and the
back office's refund and cancellation both come here.

Newest payment first, each through its gateway when the gateway can refund, else recorded for a
refund made by hand (a transfer by the accounting office). Several payments (instalments) mean
several calls to the bank, which a rollback cannot undo: when one fails after others went
through, those are kept and what is left is said, for staff to finish by hand; when the first
one fails nothing was done and `RefundFailed` is raised."""

from dataclasses import dataclass, field

from django.db import transaction

from .gateways.base import GatewayError
from .models import Payment
from .services import PaymentError, gateway_for, record_refund


class NothingToRefund(Exception):
    pass


class RefundFailed(Exception):
    pass


@dataclass
class Refunded:
    refunded_cents: int
    refunds: list[dict] = field(default_factory=list)
    left_cents: int = 0  # what could not be refunded (a later payment's refund failed)
    failed_payment: str = ""
    error: str = ""

    def as_outcome(self) -> dict:
        """What a decision keeps of it (requests' outcome)."""
        outcome = {"refunded_cents": self.refunded_cents, "refunds": self.refunds}
        if self.left_cents:
            outcome["left_cents"] = self.left_cents
        return outcome


def refundable_payments(registration) -> list[Payment]:
    """The registration's payments with something paid and not yet refunded, newest first."""
    payments = Payment.objects.filter(
        registration=registration,
        paid_cents__isnull=False,
        status__in=[Payment.Status.CONFIRMED, Payment.Status.PARTLY_REFUNDED],
    ).order_by("-confirmed_at", "-pk")
    return [p for p in payments if p.paid_cents > p.refunded_cents]


def refundable_cents(registration) -> int:
    return sum(p.paid_cents - p.refunded_cents for p in refundable_payments(registration))


def refund_registration(registration, *, actor, amount_cents: int | None = None) -> Refunded:
    """Refund `amount_cents` of what the registration paid (everything when None, and never more
    than what is left to refund). Call it with the registration locked."""
    available = refundable_payments(registration)
    total = sum(p.paid_cents - p.refunded_cents for p in available)
    amount = min(int(amount_cents), total) if amount_cents else total
    if amount <= 0:
        raise NothingToRefund
    left, refunds = amount, []
    for payment in available:
        part = min(left, payment.paid_cents - payment.refunded_cents)
        through_gateway = (
            not payment.manual
            and payment.gateway != "manual"
            and gateway_for(payment.gateway).supports_refund
        )
        try:
            with transaction.atomic():
                record_refund(payment, amount_cents=part, actor=actor, through_gateway=through_gateway)
        except (PaymentError, GatewayError) as error:
            if not refunds:
                raise RefundFailed(str(error)) from error
            return Refunded(
                refunded_cents=amount - left,
                refunds=refunds,
                left_cents=left,
                failed_payment=payment.reference,
                error=str(error)[:200],
            )
        refunds.append(
            {"payment": payment.reference, "amount_cents": part, "through_gateway": through_gateway}
        )
        left -= part
        if not left:
            break
    return Refunded(refunded_cents=amount, refunds=refunds)
