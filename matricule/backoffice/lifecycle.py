"""A registration's life from the student's file: cancel it (refunding what was paid or not),
refund part or all of what was paid (ending the registration when the student leaves), send the
account activation link again. Each locks the registration, calls the services the student side
uses (registration, payments.refunds, accounts.activation) and is audited; who may do what is
checked by the views (managers cancel and refund, agents send links)."""

from django.db import transaction

from matricule.accounts import activation
from matricule.audit.services import record
from matricule.payments import refunds
from matricule.payments.models import MONEY_TAKEN, Payment
from matricule.registration.models import Registration, State
from matricule.registration.services import NotAwaitingPayment, cancel_registration, reopen_registration


class LifecycleError(Exception):
    """An action the registration does not allow now; `code` says why (the views word it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _locked(registration: Registration) -> Registration:
    return Registration.objects.select_for_update().get(pk=registration.pk)


def cancel(registration: Registration, *, actor, reason: str, refund: bool) -> refunds.Refunded | None:
    """Cancel the registration for `reason`; with `refund`, everything paid is refunded first
    (through the gateway where it can, else recorded for a refund by hand). The certificates are
    revoked and the other systems told by the registration's own cancellation."""
    with transaction.atomic():
        locked = _locked(registration)
        if locked.state == State.CANCELLED:
            raise LifecycleError("already_cancelled")
        refunded = None
        if refund:
            try:
                refunded = refunds.refund_registration(locked, actor=actor)
            except refunds.NothingToRefund:
                refunded = None
            except refunds.RefundFailed as error:
                raise LifecycleError("refund_failed") from error
        cancel_registration(locked, actor=actor, reason=reason)
    return refunded


def refund(
    registration: Registration, *, actor, reason: str, amount_cents: int | None, leaving: bool
) -> refunds.Refunded:
    """Refund `amount_cents` of what was paid (everything when None). When the student is
    `leaving` and nothing paid is left, the registration is cancelled as a withdrawal."""
    with transaction.atomic():
        locked = _locked(registration)
        try:
            refunded = refunds.refund_registration(locked, actor=actor, amount_cents=amount_cents)
        except refunds.NothingToRefund:
            raise LifecycleError("nothing_to_refund") from None
        except refunds.RefundFailed as error:
            raise LifecycleError("refund_failed") from error
        record(
            "registration.refunded_by_staff",
            actor=actor,
            obj=locked,
            reason=reason,
            amount_cents=refunded.refunded_cents,
            left_cents=refunded.left_cents,
            leaving=leaving,
        )
        if leaving and locked.state != State.CANCELLED and not refunds.refundable_cents(locked):
            cancel_registration(locked, actor=actor, reason=f"withdrawal (fees refunded): {reason}")
    return refunded


# A payment still in these states may yet take money: the form is not given back meanwhile.
PAYMENT_UNDER_WAY = [Payment.Status.CREATED, Payment.Status.PENDING, Payment.Status.SCHEDULED]


def reopen(registration: Registration, *, actor, reason: str) -> Registration:
    """Give the form back to the student for a correction (awaiting payment → draft): only while
    nothing was paid and no payment is under way, so that no money lands on a draft."""
    with transaction.atomic():
        locked = _locked(registration)
        payments = Payment.objects.filter(registration=locked)
        if payments.filter(status__in=MONEY_TAKEN).exists():
            raise LifecycleError("paid_already")
        if payments.filter(status__in=PAYMENT_UNDER_WAY).exists():
            raise LifecycleError("payment_under_way")
        try:
            return reopen_registration(locked, actor=actor, reason=reason)
        except NotAwaitingPayment:
            raise LifecycleError("not_reopenable") from None


def may_send_activation(registration: Registration) -> bool:
    """A registered student whose account has no password yet."""
    return registration.state == State.REGISTERED and activation.can_activate(registration.student.user)


def send_activation(registration: Registration, *, actor) -> bool:
    """The activation link again (within the account's link limit); False when refused."""
    if not may_send_activation(registration):
        raise LifecycleError("cannot_activate")
    sent = activation.send_activation_link(registration.student.user)
    if sent:
        record("registration.activation_link_resent", actor=actor, obj=registration)
    return sent
