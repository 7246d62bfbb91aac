"""Delivery of the outbox: every email sent, and sent once wherever the mail system allows it.

Each email is first an `Email` row written in the caller's transaction (services.py); its send
is handed to the task queue only once that transaction commits, so a rolled-back transaction
sends nothing.

A sender *claims* a row with one conditional UPDATE (queued, or retrying and due, or sending
with its lease over → sending, stamped `claimed_at`): of several senders (the task queued on
commit, the sweep on every worker) exactly one wins and the others leave the row alone. The
winner sends outside any transaction and marks the row sent only after the mail server has
accepted the message.

What a crash leaves behind:
- between the commit and the send: the row stays queued, and the sweep (`deliver_due`) sends it;
- during the send, or between the server's acceptance and the `sent` mark: the row stays
  sending; once its LEASE is over another sender takes it up and sends it again. In that narrow
  window an email may arrive twice (at least once, not exactly once); both copies carry the same
  Message-ID, derived from the row's key, so that mail systems and readers can tell they are one
  message.

A server that refuses or cannot be reached: the row is retried after BACKOFF (1 min, 5 min,
30 min, 2 h, 12 h) and failed after its MAX_ATTEMPTS-th attempt, some 15 hours later; an address
refused for good (5xx) fails at once. Staff put failed emails back in the queue from the admin.
Nothing here raises to the caller for the mail server's sake.

A message *not kept in full* (a login link, an attached PDF: the row keeps the masked body, not
the link or the file) cannot be sent again from its row: the task that made it is run again with
the row's key (its path and arguments are on the row; ids, never the link), so that it makes the
message afresh, a new link included, and sends it through the same row.
"""

import contextlib
import contextvars
import dataclasses
import datetime
import hashlib
import logging
import smtplib
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from matricule.scheduling import backoff

from . import states
from .models import Email

Status = Email.Status
logger = logging.getLogger(__name__)

# Longer than any send can take (each SMTP step times out after EMAIL_TIMEOUT, 30 s), so that a
# live sender is never overtaken; short enough that a dead one delays an email by minutes only.
LEASE = datetime.timedelta(minutes=10)
# A queued row younger than this is left to the task queued on commit (the sweep would only race it).
GRACE = datetime.timedelta(seconds=30)
# Waits after the 1st, 2nd… failed attempt; the attempt after the last wait is the last one.
BACKOFF = backoff.OUTSIDE_SERVICE
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 100
KEY_LENGTH = Email._meta.get_field("key").max_length


# --- The task being run, for the keys of the emails it sends -----------------------------------


@dataclasses.dataclass
class Run:
    """A task being run in this thread. A task run again (its worker died, or the sweep makes
    again a message not kept in full) has the same id, so its emails get the same keys."""

    task_id: str
    path: str
    args: list
    kwargs: dict
    claimed: int | None = None  # the row the sweep claimed before running the task again
    counts: dict[str, int] = dataclasses.field(default_factory=dict)

    def next_key(self, kind: str, *, take: bool = True) -> str:
        rank = self.counts.get(kind, 0) + 1
        if take:
            self.counts[kind] = rank
        return f"{kind}:task:{self.task_id}:{rank}"


_runs: contextvars.ContextVar[tuple[Run, ...]] = contextvars.ContextVar("notifications_runs", default=())


def current_run() -> Run | None:
    runs = _runs.get()
    return runs[-1] if runs else None


@contextlib.contextmanager
def running(run: Run):
    token = _runs.set((*_runs.get(), run))
    try:
        yield run
    finally:
        _runs.reset(token)


def task_started(sender, task_result, **kwargs) -> None:
    task = task_result.task
    run = Run(str(task_result.id), task.module_path, list(task_result.args), dict(task_result.kwargs))
    _runs.set((*_runs.get(), run))


def task_finished(sender, task_result, **kwargs) -> None:
    _runs.set(tuple(run for run in _runs.get() if run.task_id != str(task_result.id)))


def listen_to_tasks() -> None:
    """Follow the tasks this thread runs (called once, at start-up)."""
    try:  # pragma: no cover - depends on the Django version installed
        from django.tasks.signals import task_finished as finished
        from django.tasks.signals import task_started as started
    except ImportError:  # Django 5.2
        from django_tasks.signals import task_finished as finished
        from django_tasks.signals import task_started as started
    started.connect(task_started, dispatch_uid="notifications.task_started")
    finished.connect(task_finished, dispatch_uid="notifications.task_finished")


def make_key(kind: str, key: str | None = None) -> str:
    """The row's idempotency key: the kind and what the caller says makes the email unique (e.g.
    "request:12"); else, inside a task, the task run and the rank of the email of that kind in it
    (a task run again sends the same emails); else a new one (no email is the same as another)."""
    return next_key(kind, key) or bounded(kind, f"{kind}:{uuid.uuid4().hex}")


def next_key(kind: str, key: str | None = None, *, take: bool = True) -> str | None:
    """The key from the caller or from the task run (`take=False`: without counting the email);
    None outside a task when the caller gives none."""
    if key:
        return bounded(kind, f"{kind}:{key}")
    run = current_run()
    return bounded(kind, run.next_key(kind, take=take)) if run else None


def bounded(kind: str, full: str) -> str:
    if len(full) > KEY_LENGTH:
        return f"{kind}:sha256:{hashlib.sha256(full.encode()).hexdigest()}"
    return full


# --- The message ------------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The same Message-ID for every send of one key, so that a copy sent again after a crash is
    seen as the same message. Keyed with the secret key: it tells the recipient nothing of ours."""
    digest = salted_hmac("matricule.notifications.message_id", key, algorithm="sha256").hexdigest()[:40]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "matricule.invalid"
    return f"<{digest}@{domain}>"


def build_message(
    email: Email,
    *,
    to: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    attachments=(),
) -> EmailMessage:
    message = EmailMessage(
        subject=email.subject if subject is None else subject,
        body=email.body if body is None else body,
        to=[email.to if to is None else to],
        headers={"Message-ID": message_id(email.key)},
    )
    for attachment in attachments:
        message.attach(*attachment)
    return message


def in_transaction(using=None) -> bool:
    """Inside a transaction of the caller's (not the one a test case wraps around each test,
    which Django marks the same way for its `durable` check)."""
    connection = transaction.get_connection(using)
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


# --- Claim, send, mark ---------------------------------------------------------------------------


def claimable(now) -> Q:
    """The rows a sender may take now: queued, retrying and due, or sending with the lease over
    (a dead sender's; taken up only while it has attempts left, see `abandon`)."""
    return (
        Q(status=Status.QUEUED)
        | Q(status=Status.RETRYING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, claimed_at__lte=now - LEASE, attempts__lt=MAX_ATTEMPTS)
    )


CLAIMED_FROM = (Status.QUEUED, Status.RETRYING, Status.SENDING)


def claim(pk: int, now=None) -> bool:
    """Take the row for sending; False when another sender has it, or it is not to be sent now.
    One conditional UPDATE: of two senders, the second finds the row sending and updates nothing."""
    now = now or timezone.now()
    for source in CLAIMED_FROM:
        states.check(source, Status.SENDING)
    return bool(
        Email.objects.filter(claimable(now), pk=pk).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _finish(pk: int, wanted: str, **fields) -> bool:
    """A claimed row's outcome (sending → sent, retrying or failed)."""
    states.check(Status.SENDING, wanted)
    return bool(Email.objects.filter(pk=pk, status=Status.SENDING).update(status=wanted, **fields))


def send_claimed(pk: int, message: EmailMessage) -> str:
    """Send a row this sender has claimed; marked sent only once the server has accepted it.
    The mark failing (the database gone) leaves it sending: sent again after the lease."""
    try:
        message.send()
    except Exception as error:  # the mail server's trouble is recorded and retried, never raised
        return failed_attempt(pk, error)
    _finish(pk, Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error="")
    return Status.SENT


def permanent(error: Exception) -> bool:
    """A refusal that no retry will change: the server refused the recipient or the message
    itself for good (5xx). A refused sender or login is our set-up's fault: retried meanwhile."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def failed_attempt(pk: int, error: Exception) -> str:
    """Retrying after the back-off, or failed after the last attempt or a permanent refusal."""
    attempts = Email.objects.filter(pk=pk).values_list("attempts", flat=True).first() or 1
    text = f"{type(error).__name__}: {error}"[:2000]
    if permanent(error) or attempts >= MAX_ATTEMPTS:
        _finish(pk, Status.FAILED, last_error=text, next_attempt_at=None)
        logger.error("Email %s failed after %s attempt(s): %s", pk, attempts, text)
        return Status.FAILED
    delay = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    _finish(pk, Status.RETRYING, last_error=text, next_attempt_at=timezone.now() + delay)
    logger.warning("Email %s not sent (attempt %s), retried in %s: %s", pk, attempts, delay, text)
    return Status.RETRYING


def give_up(pk: int, reason: str) -> str:
    _finish(pk, Status.FAILED, last_error=reason, next_attempt_at=None)
    logger.error("Email %s failed: %s", pk, reason)
    return Status.FAILED


def status_of(pk: int) -> str:
    return Email.objects.filter(pk=pk).values_list("status", flat=True).first() or ""


def send_prepared(
    pk: int, message: EmailMessage, *, claimed: bool = False, content: dict | None = None
) -> str:
    """Send a message made by the caller (`services.send_now`) through its row: claimed here
    unless the sweep claimed it for the task it runs again; `content` is what the row records of
    a message made again (its masked body)."""
    if not claimed and not claim(pk):
        return status_of(pk)  # sent already, or another sender has it, or it waits its turn
    if content:
        Email.objects.filter(pk=pk).update(**content)
    return send_claimed(pk, message)


def deliver(pk: int, now=None) -> str:
    """Send one row if this sender can claim it; its status afterwards."""
    now = now or timezone.now()
    if not claim(pk, now):
        return status_of(pk)
    email = Email.objects.get(pk=pk)
    if email.kept_in_full:
        return send_claimed(pk, build_message(email))
    return make_again(email)


def origin_task(email: Email):
    """The task that made a message not kept in full, if it can be run again."""
    if not email.task_path.startswith("matricule."):
        return None
    try:
        task = import_string(email.task_path)
    except ImportError:
        return None
    if getattr(task, "module_path", None) != email.task_path or getattr(task, "takes_context", True):
        return None
    return task


CANNOT_MAKE_AGAIN = "Not kept in full (a link or an attachment) and made by no task: it cannot be sent again."
NOT_MADE_AGAIN = "Its task, run again, did not send it: no longer needed."


def make_again(email: Email) -> str:
    """Run again the task that made a message not kept in full, as the same run, so that it makes
    the message afresh and sends it through this row (claimed here, before running it)."""
    task = origin_task(email)
    if task is None:
        return give_up(email.pk, CANNOT_MAKE_AGAIN)
    arguments = email.task_arguments or {}
    run = Run(
        email.task_id, email.task_path, list(arguments.get("args", [])), dict(arguments.get("kwargs", {}))
    )
    run.claimed = email.pk
    try:
        with running(run):
            task.call(*run.args, **run.kwargs)
    except Exception as error:
        return failed_attempt(email.pk, error)
    status = status_of(email.pk)
    if status == Status.SENDING:  # the task no longer sends it (e.g. the account was activated meanwhile)
        return give_up(email.pk, NOT_MADE_AGAIN)
    return status


# --- The sweep -------------------------------------------------------------------------------------


def due(now) -> Q:
    return claimable(now) & ~Q(status=Status.QUEUED, created_at__gt=now - GRACE)


def abandon(now) -> int:
    """Rows whose senders died while sending them on their last attempt: failed, for staff to see
    (a message that kills its sender every time is not sent for ever)."""
    states.check(Status.SENDING, Status.FAILED)
    return Email.objects.filter(
        status=Status.SENDING, claimed_at__lte=now - LEASE, attempts__gte=MAX_ATTEMPTS
    ).update(status=Status.FAILED, next_attempt_at=None, last_error="Its sender stopped on the last attempt.")


def deliver_due(now=None) -> int:
    """Send every email due: queued for more than GRACE (the task queued on commit never ran: a
    crash, a queue down), retrying whose next attempt has come, sending whose sender died (lease
    over). Safe to run at any time and on several workers at once: each row is claimed before it
    is sent. Call it outside a transaction. Returns how many were sent."""
    now = now or timezone.now()
    abandon(now)
    sent, last = 0, 0
    while True:
        batch = list(
            Email.objects.filter(due(now), pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return sent
        for pk in batch:
            try:
                sent += deliver(pk, now) == Status.SENT
            except Exception:  # one row's trouble (the database) must not stop the others
                logger.exception("Email %s could not be delivered", pk)
        last = batch[-1]
