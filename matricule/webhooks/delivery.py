"""Sending the deliveries: at least once, retried with back-off for about a day.

Each delivery is a row written in the transaction of the business change (events.py); its send
is handed to the task queue once that commits. A sender *claims* a row with one conditional
UPDATE (pending, or retrying and due, or sending with its lease over → sending): of several
senders (the task, the sweep on every worker) one wins. The winner POSTs outside any transaction,
with a short timeout and a bounded read of the answer, then records the attempt.

A 2xx answer delivers it. Anything else (another status, a redirect, a timeout, a refused
connection) is retried after BACKOFF (30 s, 1, 2, 5, 10, 30 min, 1, 2, 4, 8, 8 h: about 24 h in
all) and failed after the last attempt. A delivery failing for good while nothing got through to
its subscription since it was made (a receiver down for a day) disables the subscription and
emails its client's owner (disabling.py).

A sender that dies during the POST leaves the row sending; after LEASE another sender sends it
again, with the same webhook id: the receiver may see a message twice, never zero times, and
deduplicates by that id.
"""

import datetime
import http.client
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import disabling, payloads, signing, states
from .models import Attempt, Delivery, Subscription

State = Delivery.State
logger = logging.getLogger(__name__)

BACKOFF = tuple(
    datetime.timedelta(seconds=s)
    for s in (30, 60, 120, 300, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 8 * 3600)
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Longer than a POST may take (its timeout is at most 30 s): a live sender is never overtaken.
LEASE = datetime.timedelta(minutes=2)
# A pending row younger than this is left to the task queued on commit (the sweep would race it).
GRACE = datetime.timedelta(seconds=30)
# What is kept of an answer: its start, to help the receiver's owner; the rest is not read.
MAX_RESPONSE_BYTES = 4096
KEPT_RESPONSE = 500
BATCH = 100
# How fresh the subscription's last success is kept (what `_disable_if_down` compares is a day).
SUCCESS_STAMP = datetime.timedelta(minutes=1)
# The sweep runs in the workers' scheduler: it stops taking new rows after this, the next run
# goes on (a receiver that lets every POST time out must not hold the scheduler for long).
SWEEP_BUDGET = datetime.timedelta(seconds=50)


def timeout() -> float:
    return float(settings.MATRICULE_WEBHOOK_TIMEOUT)


# --- Claim ------------------------------------------------------------------------------------------


def claimable(now) -> Q:
    return (
        Q(state=State.PENDING)
        | Q(state=State.RETRYING, next_attempt_at__lte=now)
        | Q(state=State.SENDING, claimed_at__lte=now - LEASE, attempts__lt=MAX_ATTEMPTS)
    )


CLAIMED_FROM = (State.PENDING, State.RETRYING, State.SENDING)


def claim(pk: int, now) -> bool:
    """Take the row for sending: one conditional UPDATE (of two senders, the second updates
    nothing)."""
    for source in CLAIMED_FROM:
        states.check(source, State.SENDING)
    return bool(
        Delivery.objects.filter(claimable(now), pk=pk).update(
            state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _finish(pk: int, wanted: str, **fields) -> bool:
    states.check(State.SENDING, wanted)
    return bool(Delivery.objects.filter(pk=pk, state=State.SENDING).update(state=wanted, **fields))


# --- The POST -----------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could carry the payload elsewhere, even over plain HTTP: a 3xx is a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status_code: int | None
    error: str
    response: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _read_start(response, started: float) -> bytes:
    """The first bytes of the answer, read in small pieces until the timeout is spent: the
    socket's timeout counts per read, and a receiver dripping its answer must not hold the
    sender past its lease."""
    raw = b""
    while len(raw) < MAX_RESPONSE_BYTES and time.monotonic() - started < timeout():
        piece = response.read1(min(1024, MAX_RESPONSE_BYTES - len(raw)))
        if not piece:
            break
        raw += piece
    return raw


def post(url: str, body: str, headers: dict[str, str]) -> Answer:
    """POST the body; whatever happens comes back as an Answer, never raised."""
    request = urllib.request.Request(  # noqa: S310 (https or loopback, checked on the subscription)
        url,
        data=body.encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json", "User-Agent": "Matricule-Webhooks"},
    )
    started = time.monotonic()
    status, raw, error = None, b"", ""
    try:
        with _opener.open(request, timeout=timeout()) as response:
            status, raw = response.status, _read_start(response, started)
    except urllib.error.HTTPError as refusal:
        status = refusal.code
        try:
            raw = refusal.read(MAX_RESPONSE_BYTES)
        except OSError:
            raw = b""
        finally:
            refusal.close()
    except (OSError, http.client.HTTPException, ValueError) as failure:  # URLError is an OSError
        error = f"{type(failure).__name__}: {getattr(failure, 'reason', failure)}"
    duration = round((time.monotonic() - started) * 1000)
    text = raw.decode("utf-8", "replace")[:KEPT_RESPONSE]
    if status is not None and not 200 <= status < 300 and not error:
        error = f"HTTP {status}"
    return Answer(status, error[:500], text, duration)


# --- One delivery -------------------------------------------------------------------------------------


def deliver(pk: int, now=None) -> str:
    """Send one delivery if this sender can claim it; its state afterwards."""
    now = now or timezone.now()
    if not claim(pk, now):
        return state_of(pk)
    delivery = Delivery.objects.select_related("subscription__client").get(pk=pk)
    subscription = delivery.subscription
    if not (subscription.is_active and subscription.client.is_active):  # since the row was written
        _finish(pk, State.FAILED, next_attempt_at=None, last_error=disabling.DISABLED_ERROR)
        return State.FAILED
    return send_claimed(delivery)


def send_claimed(delivery: Delivery) -> str:
    subscription = delivery.subscription
    started = timezone.now()
    try:
        body = payloads.body_of(delivery)
    except Exception as error:  # the object is gone, or a bug: recorded and retried like a refusal
        logger.exception("Webhook %s: its body cannot be made", delivery.webhook_id)
        return record_outcome(
            delivery, Answer(None, f"Body not made: {type(error).__name__}", "", 0), started
        )
    headers = signing.headers(subscription.secret, delivery.webhook_id, int(started.timestamp()), body)
    answer = post(subscription.url, body, headers)
    return record_outcome(delivery, answer, started)


def record_outcome(delivery: Delivery, answer: Answer, started) -> str:
    """The attempt in the log and the delivery's next state, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            started_at=started,
            duration_ms=answer.duration_ms,
            status_code=answer.status_code,
            error=answer.error,
            response=answer.response,
        )
        common = {"last_status_code": answer.status_code, "last_error": answer.error}
        if answer.ok:
            _finish(delivery.pk, State.DELIVERED, delivered_at=now, next_attempt_at=None, **common)
            # At most once a minute: busy subscriptions would otherwise queue on their row.
            Subscription.objects.filter(
                Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - SUCCESS_STAMP),
                pk=delivery.subscription_id,
            ).update(last_success_at=now)
            return State.DELIVERED
        if delivery.attempts >= MAX_ATTEMPTS:
            if _finish(delivery.pk, State.FAILED, next_attempt_at=None, **common):
                logger.warning("Webhook %s failed after %s attempts", delivery.webhook_id, delivery.attempts)
                _disable_if_down(delivery, now)
            return State.FAILED
        wait = BACKOFF[delivery.attempts - 1]
        _finish(delivery.pk, State.RETRYING, next_attempt_at=now + wait, **common)
        return State.RETRYING


def _disable_if_down(delivery: Delivery, now) -> None:
    """A delivery failed for good: when nothing got through to its subscription since the
    delivery was made (about a day of retries), the receiver is down and the subscription is
    disabled; one message refused while others arrive leaves it active."""
    last = (
        Subscription.objects.filter(pk=delivery.subscription_id)
        .values_list("last_success_at", flat=True)
        .first()
    )
    if last is None or last < delivery.created_at:
        disabling.disable(delivery.subscription, reason=disabling.DOWN_REASON, now=now)


def state_of(pk: int) -> str:
    return Delivery.objects.filter(pk=pk).values_list("state", flat=True).first() or ""


# --- The sweep -----------------------------------------------------------------------------------------


def due(now) -> Q:
    return claimable(now) & ~Q(state=State.PENDING, created_at__gt=now - GRACE)


def abandon(now) -> int:
    """Rows whose sender died on their last attempt: failed (a payload that kills its sender
    every time is not sent for ever)."""
    states.check(State.SENDING, State.FAILED)
    return Delivery.objects.filter(
        state=State.SENDING, claimed_at__lte=now - LEASE, attempts__gte=MAX_ATTEMPTS
    ).update(state=State.FAILED, next_attempt_at=None, last_error="Its sender stopped on the last attempt.")


def deliver_due(now=None) -> int:
    """Send what is due: pending for more than GRACE (the task queued on commit never ran),
    retrying whose time has come, sending whose sender died. Safe on several workers at once
    (each row is claimed first); call it outside a transaction. A subscription whose receiver
    fails is left for the rest of this run (its other rows wait for the next one). Returns how
    many were delivered."""
    now = now or timezone.now()
    deadline = time.monotonic() + SWEEP_BUDGET.total_seconds()
    abandon(now)
    delivered, last, failing = 0, 0, set()
    while time.monotonic() < deadline:
        batch = list(
            Delivery.objects.filter(due(now), pk__gt=last, subscription__is_active=True)
            .order_by("pk")
            .values_list("pk", "subscription_id")[:BATCH]
        )
        if not batch:
            break
        for pk, subscription_id in batch:
            if subscription_id in failing or time.monotonic() >= deadline:
                continue
            try:
                state = deliver(pk, now)
            except Exception:  # one row's trouble (the database) must not stop the others
                logger.exception("Webhook delivery %s could not be sent", pk)
                continue
            if state == State.DELIVERED:
                delivered += 1
            elif state in (State.RETRYING, State.FAILED):
                failing.add(subscription_id)
        last = batch[-1][0]
    return delivered
