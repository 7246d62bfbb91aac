"""How the fees of a desk registration are settled: a payment taken at the desk or an exemption
(here rather than in `registration.desk`, which may not use the payments app); and what the
desk recorded, read back for the agent."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.payments.models import ManualMethod
from matricule.payments.services import record_manual_payment
from matricule.registration import services, states
from matricule.registration.desk import DeskError, Reason, check_scope
from matricule.registration.models import Registration, State

# How a payment was taken at the desk (kept on the payment, for accounting).
Method = ManualMethod


class NotAwaitingPayment(DeskError):
    message = _("This registration is not awaiting payment.")


class WrongAmount(DeskError):
    def __init__(self, expected_cents: int):
        super().__init__(
            _("The desk takes the whole fee at once: %(amount)s €.")
            % {"amount": f"{expected_cents / 100:.2f}".replace(".", ",")}
        )
        self.expected_cents = expected_cents


class ExemptionNotAllowed(DeskError):
    message = _("An exemption cannot be recorded for this registration now.")


def _locked_awaiting(registration: Registration) -> Registration:
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.state != State.AWAITING_PAYMENT:
        raise NotAwaitingPayment
    return locked


def record_desk_payment(
    registration: Registration, *, agent, method: str, amount_cents: int, reference: str = ""
):
    """The whole fee paid at the desk (cash, cheque, card terminal, transfer): recorded as a manual
    payment, so the registration goes paid → registered. Returns the payment."""
    check_scope(registration, agent)
    if method not in Method.values:
        raise ValueError(f"unknown payment method {method!r}")
    with transaction.atomic():
        locked = _locked_awaiting(registration)
        if amount_cents != locked.fee_total_cents:
            raise WrongAmount(locked.fee_total_cents or 0)
        reference = reference.strip()[:100]
        payment = record_manual_payment(
            locked, amount_cents=amount_cents, actor=agent, note="desk", method=method, reference=reference
        )
        record(
            "registration.desk_paid",
            actor=agent,
            obj=locked,
            method=method,
            amount_cents=amount_cents,
            reference=reference,
            payment=payment.reference,
        )
    registration.refresh_from_db()
    return payment


def exempt_from_fees(registration: Registration, *, agent, reason: str) -> Registration:
    """Awaiting payment → exempt → registered, for a reason the agent gives (kept in the audit)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("an exemption needs a reason")
    check_scope(registration, agent)
    with transaction.atomic():
        try:
            locked = services.waive_fees(registration, actor=agent)
        except services.NotAwaitingPayment:
            raise NotAwaitingPayment from None
        except states.TransitionError:
            raise ExemptionNotAllowed from None
        record(
            "registration.desk_exempted",
            actor=agent,
            obj=locked,
            reason=reason[:500],
            waived_cents=locked.fee_total_cents,
        )
        services.register(locked, actor=agent)
    registration.refresh_from_db()
    return registration


def desk_facts(registration: Registration) -> dict:
    """What the desk recorded about the registration, from its audit events (one query): the
    reason it was opened for, and how the fees were settled (labels for display)."""
    facts = {}
    events = Event.objects.filter(
        object_type="registration.registration",
        object_id=str(registration.pk),
        action__in=["registration.desk_opened", "registration.desk_paid", "registration.desk_exempted"],
    ).order_by("pk")
    for event in events:
        data = event.data or {}
        if event.action == "registration.desk_opened" and "reason" not in facts:
            facts["reason"] = dict(Reason.CHOICES).get(data.get("reason"), "")
        elif event.action == "registration.desk_paid":
            facts["paid"] = {
                "method": dict(Method.choices).get(data.get("method"), data.get("method")),
                "amount_cents": data.get("amount_cents"),
                "reference": data.get("reference", ""),
            }
        elif event.action == "registration.desk_exempted":
            facts["exempted"] = {"reason": data.get("reason", ""), "waived_cents": data.get("waived_cents")}
    return facts
