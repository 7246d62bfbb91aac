"""Payments: start an attempt, act on what a gateway says (once), reconcile, refund, record
manual payments. Every outcome is matched to our row by our own reference, its amount and
currency compared, and applied under a row lock, so a payment is confirmed exactly once.
A payment's status changes only through the named transitions below (`start_instalment`,
`confirm`, `hold_for_review`, `fail`, `cancel`, `record_refund`), as `states.TRANSITIONS` allows."""

import datetime
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation

from matricule.audit.services import record
from matricule.registration.models import Registration, State
from matricule.registration.services import mark_paid

from . import states
from .gateways import base as gateways
from .models import ManualMethod, Notification, Payment

logger = logging.getLogger(__name__)


class PaymentError(Exception):
    pass


def gateway_for(code: str):
    from .gateways.registry import get_gateway

    return get_gateway(code, settings.MATRICULE_PAYMENT_GATEWAYS.get(code, {}))


def configured_gateway(code: str):
    """The gateway of that code if it exists and is configured on this instance, else None."""
    try:
        return gateway_for(code)
    except gateways.GatewayError:
        return None


def default_gateway_code() -> str:
    return settings.MATRICULE_PAYMENT_GATEWAY


def fee_key(registration: Registration) -> str:
    return f"registration-{registration.pk}"


def new_reference() -> str:
    # Our reference: not guessable, short enough for every gateway (Systempay: 64, Paybox: 250).
    return "MAT" + secrets.token_hex(8).upper()


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def instalment_amounts(total_cents: int, count: int) -> list[int]:
    """Equal instalments in whole cents; the first carries the remainder."""
    base = total_cents // count
    return [total_cents - base * (count - 1)] + [base] * (count - 1)


def start_payment(
    registration: Registration, *, gateway_code: str | None = None, instalments: bool = False
) -> tuple[Payment, gateways.BrowserAction]:
    """A new attempt for what the registration owes (or its first instalment, the others being
    scheduled a month apart), and what the browser must do."""
    code = gateway_code or default_gateway_code()
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.state != State.AWAITING_PAYMENT:
            raise PaymentError("not awaiting payment")
        if Payment.objects.filter(registration=locked, status=Payment.Status.CONFIRMED).exists():
            raise PaymentError("already paid")
        count = locked.academic_year.instalments if instalments else 1
        if count > 1:
            amounts = instalment_amounts(locked.fee_total_cents, count)
            Payment.objects.filter(registration=locked, status=Payment.Status.SCHEDULED).delete()
            today = timezone.localdate()
            for number, amount in enumerate(amounts[1:], start=2):
                Payment.objects.create(
                    registration=locked,
                    reference=new_reference(),
                    gateway=code,
                    amount_cents=amount,
                    fee_key=f"{fee_key(locked)}-{number}",
                    status=Payment.Status.SCHEDULED,
                    instalment=number,
                    instalment_count=count,
                    due_on=today + datetime.timedelta(days=30 * (number - 1)),
                )
            payment = Payment.objects.create(
                registration=locked,
                reference=new_reference(),
                gateway=code,
                amount_cents=amounts[0],
                currency="EUR",
                fee_key=fee_key(locked),
                status=Payment.Status.PENDING,
                instalment=1,
                instalment_count=count,
                due_on=today,
            )
        else:
            payment = Payment.objects.create(
                registration=locked,
                reference=new_reference(),
                gateway=code,
                amount_cents=locked.fee_total_cents,
                currency="EUR",
                fee_key=fee_key(locked),
                status=Payment.Status.PENDING,
            )
        record(
            "payments.started",
            obj=payment,
            registration=locked.pk,
            gateway=code,
            amount_cents=payment.amount_cents,
            instalments=count,
        )
    return payment, _browser_action(payment, locked, code)


def start_instalment(instalment: Payment) -> tuple[Payment, gateways.BrowserAction]:
    """Scheduled → pending: the student pays a scheduled instalment, the scheduled row becoming
    the attempt; if it fails, a new scheduled row for the same instalment is created (see
    `fail`) so it can be paid again."""
    with transaction.atomic():
        locked = _lock(instalment)
        if not states.can_go(locked.status, Payment.Status.PENDING):
            raise PaymentError("not a scheduled instalment")
        locked.gateway, locked.reference = default_gateway_code(), new_reference()
        _move(locked, Payment.Status.PENDING)
        record("payments.instalment.started", obj=locked, instalment=locked.instalment)
    return locked, _browser_action(locked, locked.registration, locked.gateway)


def _browser_action(payment: Payment, registration: Registration, code: str) -> gateways.BrowserAction:
    locked = registration
    with translation.override("fr"):
        notify = absolute(reverse("payment-notify", args=[code]))
        back = absolute(reverse("payments:return", args=[payment.reference]))
    contacts = locked.cleaned.get("contacts", {})
    student = locked.student
    email = contacts.get("email") or student.user.email
    # The student's name and address during the year, for the card gateways' 3-D Secure.
    billing = gateways.Billing(
        first_name=student.first_names or student.user.first_name,
        last_name=student.last_name or student.user.last_name,
        street=contacts.get("street", ""),
        postal_code=contacts.get("postal_code", ""),
        city=contacts.get("city", ""),
        country=contacts.get("country", ""),
    )
    action = gateway_for(code).start(
        gateways.PaymentRequest(
            reference=payment.reference,
            amount_cents=payment.amount_cents,
            currency="EUR",
            email=email,
            label=f"Droits d'inscription {locked.academic_year.code}",
            return_url=back,
            notify_url=notify,
            cancel_url=back,
            language=translation.get_language() or "fr",
            created_at=timezone.now(),
            billing=billing,
        )
    )
    if code == "payfip":
        # PayFiP results can only be looked up by the idOp its web service gave for the attempt.
        from .gateways.payfip import idop_from_url

        Payment.objects.filter(pk=payment.pk).update(transaction_id=idop_from_url(action.url))
    return action


def receive(
    code: str, *, channel: str, method: str, query: str, body: bytes, content_type: str = ""
) -> tuple[bool, Payment | None]:
    """A notification (server-to-server or the browser's return). Returns (handled, payment):
    handled is False only when we failed and the gateway should retry."""
    gateway = gateway_for(code)
    raw = (query + "\n" + body.decode("utf-8", "replace"))[:10000]
    try:
        outcome = gateway.verify_notification(method, query, body, content_type)
    except gateways.GatewayError as error:
        # Our side could not check it now (network, service): let the gateway retry.
        Notification.objects.create(
            gateway=code, channel=channel, verified=False, result=f"retry: {error}"[:40], raw=raw
        )
        return False, None
    except gateways.InvalidNotification as error:
        Notification.objects.create(
            gateway=code, channel=channel, verified=False, result=f"refused: {error}"[:40], raw=raw
        )
        record("payments.notification.refused", gateway=code, reason=str(error)[:200])
        return True, None  # a forgery is not our failure: nothing to retry
    return True, apply_outcome(code, outcome, channel=channel, raw=raw)


def apply_outcome(
    code: str, outcome: gateways.VerifiedOutcome, *, channel: str, raw: str = ""
) -> Payment | None:
    """Act on an authentic outcome, once. Monotonic: a confirmed payment never goes back."""
    with transaction.atomic():
        # Locked here for the whole decision, with its registration (read by the audit and
        # mark_paid, locked by its own services when they move it).
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("registration")
            .filter(reference=outcome.reference, gateway=code)
            .first()
        )
        note = Notification(
            gateway=code,
            channel=channel,
            reference=outcome.reference[:100],
            verified=True,
            outcome=outcome.outcome,
            currency=outcome.currency or "",
            amount_cents=outcome.amount_cents,
            raw=raw or str(outcome.raw)[:10000],
            payment=payment,
        )
        if payment is None:
            note.result = "unknown reference"
            note.save()
            return None
        note.result, payment = _apply(payment, outcome)
        note.save()
    return payment


def _apply(payment: Payment, outcome: gateways.VerifiedOutcome) -> tuple[str, Payment]:
    """The transition an outcome asks for, if the table allows it; returns what was done (kept on
    the notification) and the payment as it now is. Monotonic: money taken never goes back.
    The caller holds the payment's lock: the transitions' bodies run without taking it again."""
    status = payment.status
    if outcome.outcome == gateways.Outcome.CONFIRMED:
        if status == Payment.Status.CONFIRMED:
            return "already confirmed", payment
        if not states.can_go(status, Payment.Status.CONFIRMED):
            return f"ignored: {status}", payment
        payment = _confirm(payment, outcome)
        if payment.status == Payment.Status.TO_REVIEW:
            return f"to review: {payment.anomaly}", payment
        return "confirmed", payment
    if outcome.outcome in (gateways.Outcome.FAILED, gateways.Outcome.CANCELLED):
        failed = outcome.outcome == gateways.Outcome.FAILED
        wanted = Payment.Status.FAILED if failed else Payment.Status.CANCELLED
        if status == wanted:
            return f"already {wanted}", payment
        if not states.can_go(status, wanted):
            return f"ignored: {status}", payment
        payment = _end_locked_attempt(payment, wanted, outcome.transaction_id)
        return wanted, payment
    return (f"ignored: {status}" if payment.is_final else "still pending"), payment


# --- Transitions: each locks the payment, re-reads it, checks the table, acts once, audits -------
# A move the table does not allow raises states.TransitionError; one already made changes nothing.


def _lock(payment: Payment) -> Payment:
    # Only the payment's row: the registration is locked by its own services when they move it.
    return Payment.objects.select_for_update(of=("self",)).select_related("registration").get(pk=payment.pk)


def _move(locked: Payment, wanted: str) -> None:
    """The one place a payment's status is written, as the table allows; saves the row."""
    states.check(locked.status, wanted)
    locked.status = wanted
    locked.save()


def confirm(payment: Payment, outcome: gateways.VerifiedOutcome) -> Payment:
    """Pending (or failed, cancelled: outcomes arrive in any order) → confirmed: the money was
    taken, the registration is marked paid. When the amount, currency or fee does not match,
    or the gateway did not say how much was taken, held for review instead. A payment already
    confirmed is left as it is."""
    with transaction.atomic():
        return _confirm(_lock(payment), outcome)


def _confirm(locked: Payment, outcome: gateways.VerifiedOutcome) -> Payment:
    if locked.status == Payment.Status.CONFIRMED:
        return locked
    states.check(locked.status, Payment.Status.CONFIRMED)
    anomaly = _anomaly(locked, outcome)
    if anomaly:
        return _hold_for_review(locked, outcome, anomaly)
    locked.paid_cents, locked.transaction_id = outcome.amount_cents, outcome.transaction_id[:100]
    locked.confirmed_at = timezone.now()
    _move(locked, Payment.Status.CONFIRMED)
    record("payments.confirmed", obj=locked, amount_cents=locked.paid_cents, gateway=locked.gateway)
    mark_paid(locked.registration, actor=None)
    return locked


def hold_for_review(payment: Payment, outcome: gateways.VerifiedOutcome, anomaly: str) -> Payment:
    """→ to review: money taken that does not match what is due (`Payment.Anomaly`), shown to
    staff in the admin; the registration stays awaiting payment. Once only."""
    with transaction.atomic():
        return _hold_for_review(_lock(payment), outcome, anomaly)


def _hold_for_review(locked: Payment, outcome: gateways.VerifiedOutcome, anomaly: str) -> Payment:
    if locked.status == Payment.Status.TO_REVIEW:
        return locked
    locked.paid_cents, locked.transaction_id = outcome.amount_cents, outcome.transaction_id[:100]
    locked.anomaly = anomaly
    _move(locked, Payment.Status.TO_REVIEW)
    record(
        "payments.anomaly", obj=locked, anomaly=anomaly, paid=outcome.amount_cents, currency=outcome.currency
    )
    return locked


def fail(payment: Payment, *, transaction_id: str = "") -> Payment:
    """→ failed: the bank refused the attempt; nothing was taken."""
    return _end_attempt(payment, Payment.Status.FAILED, transaction_id)


def cancel(payment: Payment, *, transaction_id: str = "") -> Payment:
    """→ cancelled: the student (or the payment page's time limit) gave the attempt up."""
    return _end_attempt(payment, Payment.Status.CANCELLED, transaction_id)


def _end_attempt(payment: Payment, wanted: str, transaction_id: str) -> Payment:
    with transaction.atomic():
        return _end_locked_attempt(_lock(payment), wanted, transaction_id)


def _end_locked_attempt(locked: Payment, wanted: str, transaction_id: str) -> Payment:
    if locked.status == wanted:
        return locked  # said twice: already done
    was_open = locked.status in states.OPEN
    locked.transaction_id = transaction_id[:100] or locked.transaction_id
    _move(locked, wanted)
    if was_open and locked.instalment and locked.instalment > 1:
        # A later instalment must still be paid: scheduled again, once per attempt.
        Payment.objects.create(
            registration=locked.registration,
            reference=new_reference(),
            gateway=locked.gateway,
            amount_cents=locked.amount_cents,
            fee_key=locked.fee_key,
            status=Payment.Status.SCHEDULED,
            instalment=locked.instalment,
            instalment_count=locked.instalment_count,
            due_on=locked.due_on,
        )
    record(f"payments.{wanted}", obj=locked)
    return locked


def _anomaly(payment: Payment, outcome: gateways.VerifiedOutcome) -> str:
    if outcome.amount_cents is None:
        # "Paid" without saying how much (a PayFiP answer without montant): never taken on trust.
        return Payment.Anomaly.NO_AMOUNT
    if (outcome.currency or "EUR") != payment.currency:
        return Payment.Anomaly.CURRENCY
    if outcome.amount_cents < payment.amount_cents:
        return Payment.Anomaly.UNDERPAID
    if outcome.amount_cents > payment.amount_cents:
        return Payment.Anomaly.OVERPAID
    if Payment.objects.filter(fee_key=payment.fee_key, status=Payment.Status.CONFIRMED).exists():
        return Payment.Anomaly.DUPLICATE
    return ""


# --- Reconciliation: what became of attempts whose notification never came ----------------------

# Why an attempt pending past the delay was not settled by a look-up (shown to staff).
NO_LOOKUP = "no lookup"  # its gateway offers none on this instance (no lookup credentials)
NOT_CONFIGURED = "gateway not configured"  # its gateway is unknown or not configured here any more
LOOKUP_FAILED = "lookup failed"  # the gateway could not be asked, or gave an unusable answer


@dataclass(frozen=True)
class Unsettled:
    """An attempt still pending past the delay that no look-up settled: for staff to look at."""

    payment: Payment
    reason: str  # NO_LOOKUP, NOT_CONFIGURED or LOOKUP_FAILED
    detail: str = ""


@dataclass
class Reconciliation:
    looked_up: int = 0  # attempts a gateway was asked about (whatever it answered)
    unsettled: list[Unsettled] = field(default_factory=list)


def pending_past(older_than: datetime.timedelta):
    """Attempts (not recorded by hand) still pending after `older_than`."""
    limit = timezone.now() - older_than
    return Payment.objects.filter(status=Payment.Status.PENDING, created_at__lt=limit, manual=False)


def reconcile(older_than: datetime.timedelta = datetime.timedelta(minutes=5)) -> Reconciliation:
    """Ask the gateways about attempts pending for a while (notification lost or late), each
    answer acted upon once by `apply_outcome`; list the attempts no look-up could settle (gateway
    without look-up here, or whose look-up failed: asked again on the next run)."""
    result = Reconciliation()
    adapters: dict[str, gateways.Gateway | gateways.GatewayError] = {}
    for payment in pending_past(older_than).order_by("created_at", "pk"):
        if payment.gateway not in adapters:
            try:
                adapters[payment.gateway] = gateway_for(payment.gateway)
            except gateways.GatewayError as error:
                adapters[payment.gateway] = error
        gateway = adapters[payment.gateway]
        if isinstance(gateway, gateways.GatewayError):
            result.unsettled.append(Unsettled(payment, NOT_CONFIGURED, str(gateway)))
            continue
        if not gateway.supports_lookup:
            result.unsettled.append(Unsettled(payment, NO_LOOKUP))
            continue
        try:
            outcome = gateway.lookup_attempt(
                payment.reference,
                amount_cents=payment.amount_cents,
                currency=payment.currency,
                transaction_id=payment.transaction_id,
            )
            if outcome.reference != payment.reference:
                raise gateways.GatewayError(f"answer about {outcome.reference[:40]!r}")
        except gateways.GatewayError as error:
            # One gateway's trouble must not stop the others; asked again on the next run.
            logger.warning("Look-up of payment %s (%s) failed: %s", payment.reference, payment.gateway, error)
            _note_failed_lookup(payment, error)
            result.unsettled.append(Unsettled(payment, LOOKUP_FAILED, str(error)))
            continue
        apply_outcome(payment.gateway, outcome, channel="lookup")
        result.looked_up += 1
    return result


def _note_failed_lookup(payment: Payment, error: gateways.GatewayError) -> None:
    """A failed look-up, on the payment's notifications for staff: once per run of failures (not
    again while the latest thing heard about it is the same failure)."""
    result = f"{LOOKUP_FAILED}: {error}"[:40]
    latest = payment.notifications.order_by("-received_at", "-pk").first()
    if latest is not None and (latest.channel, latest.verified, latest.result) == ("lookup", False, result):
        return
    Notification.objects.create(
        gateway=payment.gateway,
        channel="lookup",
        reference=payment.reference[:100],
        verified=False,
        result=result,
        raw=str(error)[:10000],
        payment=payment,
    )


def attention_minutes() -> int:
    """How long an attempt may stay pending before staff should look at it: the back office
    dashboard's figure, so that its count and the admin's filter agree."""
    return int(getattr(settings, "MATRICULE_DASHBOARD_PENDING_MINUTES", 30))


def gateways_with_lookup() -> set[str]:
    """The gateway codes that offer a look-up on this instance (configured with its credentials)."""
    from .gateways.registry import codes

    found = set()
    for code in codes():
        gateway = configured_gateway(code)
        if gateway is not None and gateway.supports_lookup:
            found.add(code)
    return found


def pending_without_lookup(older_than: datetime.timedelta):
    """Attempts pending after `older_than` whose gateway offers no look-up here: only staff can
    settle them (from the gateway's back office)."""
    return pending_past(older_than).exclude(gateway__in=gateways_with_lookup())


def pending_lookup_failed(older_than: datetime.timedelta):
    """Attempts pending after `older_than` whose latest news is a failed look-up."""
    latest = Notification.objects.filter(payment=OuterRef("pk")).order_by("-received_at", "-pk")
    return (
        pending_past(older_than)
        .annotate(
            last_channel=Subquery(latest.values("channel")[:1]),
            last_verified=Subquery(latest.values("verified")[:1]),
        )
        .filter(last_channel="lookup", last_verified=False)
    )


def record_manual_payment(
    registration: Registration,
    *,
    amount_cents: int,
    actor,
    note: str = "",
    method: str = "",
    reference: str = "",
) -> Payment:
    """A payment at the desk or by bank transfer, through the same model, marked manual, with how
    it was paid (`ManualMethod`) and the cheque number or transfer reference."""
    if method and method not in ManualMethod.values:
        raise ValueError(f"unknown means of payment {method!r}")
    reference = reference.strip()[:100]
    with transaction.atomic():
        payment = Payment.objects.create(
            registration=registration,
            reference=new_reference(),
            gateway="manual",
            manual=True,
            amount_cents=registration.fee_total_cents or 0,
            currency="EUR",
            fee_key=fee_key(registration),
            status=Payment.Status.PENDING,
            recorded_by=actor,
            note=note,
            manual_method=method,
            manual_reference=reference,
        )
        record(
            "payments.manual",
            actor=actor,
            obj=payment,
            amount_cents=amount_cents,
            note=note,
            method=method,
            reference=reference,
        )
        apply_outcome(
            "manual",
            gateways.VerifiedOutcome(
                reference=payment.reference,
                outcome=gateways.Outcome.CONFIRMED,
                amount_cents=amount_cents,
                currency="EUR",
                transaction_id=f"manual-{actor.pk}",
            ),
            channel="staff",
        )
    payment.refresh_from_db()
    return payment


def record_refund(payment: Payment, *, amount_cents: int, actor, through_gateway: bool) -> Payment:
    """Confirmed, to review or partly refunded → partly refunded or refunded: a full or partial
    refund, through the gateway when it can, or recorded by hand."""
    with transaction.atomic():
        locked = _lock(payment)
        paid = locked.paid_cents or 0
        if not states.can_go(locked.status, Payment.Status.REFUNDED):
            raise PaymentError("nothing was paid")
        if amount_cents <= 0 or locked.refunded_cents + amount_cents > paid:
            raise PaymentError("refund larger than what was paid")
        if through_gateway:
            gateway_for(locked.gateway).refund(
                locked.reference, amount_cents, transaction_id=locked.transaction_id
            )
        locked.refunded_cents += amount_cents
        _move(
            locked,
            Payment.Status.REFUNDED if locked.refunded_cents == paid else Payment.Status.PARTLY_REFUNDED,
        )
        record(
            "payments.refunded",
            actor=actor,
            obj=locked,
            amount_cents=amount_cents,
            through_gateway=through_gateway,
        )
    return locked
