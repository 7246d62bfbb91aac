"""One function per email. Each renders a bilingual template and writes it to the outbox, from
which it is sent once the caller's transaction commits (delivery.py)."""

import functools
import logging

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import translation

from . import delivery, states
from .models import Email
from .signals import email_resent
from .tasks import deliver_email

logger = logging.getLogger(__name__)


def queue_email(*, kind: str, to: str, subject: str, body: str, key: str | None = None) -> Email:
    """Write the message to the outbox in the caller's transaction; it is handed to the task
    queue once that commits (nothing is sent for a rolled-back one). `key`: what makes this
    email one of its kind (e.g. "request:12"): asked for again, the same email is one row, sent
    once. The row is returned, new or the one already there."""
    email, created = Email.objects.get_or_create(
        key=delivery.make_key(kind, key),
        defaults={"kind": kind, "to": to, "subject": subject[:255], "body": body},
    )
    if created:
        transaction.on_commit(functools.partial(hand_over, email.pk))
    return email


def hand_over(pk: int) -> None:
    """Queue the send; a queue that cannot be reached loses nothing (the sweep sends it)."""
    try:
        deliver_email.enqueue(pk)
    except Exception:
        logger.exception("Email %s not handed to the task queue: the sweep will send it", pk)


def render_text(template_name: str, context: dict) -> str:
    """A plain-text email body: nothing is HTML-escaped (a comment typed by the registrar keeps
    its apostrophes and quotes)."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def render_bilingual(template_name: str, context: dict) -> str:
    """French first, then English, as the university writes to students."""
    parts = []
    for language in ("fr", "en"):
        with translation.override(language):
            parts.append(render_text(template_name, context).strip())
    return "\n\n----------------------------------------\n\n".join(parts)


def send_test_email(to: str) -> Email:
    """Used by `manage.py send_test_email` to check the mail set-up end to end."""
    body = render_bilingual("notifications/email/test.txt", {"to": to})
    return queue_email(kind="test", to=to, subject="Matricule : message de test / test message", body=body)


def send_now(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    logged_body: str | None = None,
    attachments: tuple = (),
    key: str | None = None,
) -> Email:
    """Send a message made in a task worker through the outbox, and return its row: sent, or
    retrying after a refusal (never raised). `logged_body` is what the row keeps when the message
    holds a secret (a link); such a message, or one with attachments, is not kept in full: to
    send it again, the task that made it is run again (delivery.make_again). Inside a
    transaction, it is sent once that commits."""
    in_full = logged_body is None and not attachments
    run = delivery.current_run()
    stored = {"to": to, "subject": subject[:255], "body": body if logged_body is None else logged_body}
    defaults = {"kind": kind, "kept_in_full": in_full, **stored}
    if not in_full and run is not None:
        arguments = {"args": run.args, "kwargs": run.kwargs}
        defaults.update(task_path=run.path, task_id=run.task_id, task_arguments=arguments)
    email, created = Email.objects.get_or_create(key=delivery.make_key(kind, key), defaults=defaults)
    message = delivery.build_message(email, to=to, subject=subject, body=body, attachments=attachments)
    send = functools.partial(
        delivery.send_prepared,
        email.pk,
        message,
        claimed=run is not None and run.claimed == email.pk,
        content=None if created else stored,
    )
    if delivery.in_transaction():
        transaction.on_commit(send)
        return email
    send()
    email.refresh_from_db()
    return email


def sent_already(kind: str, key: str | None = None) -> bool:
    """Whether the email of `kind` the caller is about to send (its `key`, else the next of that
    kind in the task being run) was sent by an earlier run of the same task, taken up again after
    its worker died. A task that makes a link checks it first, so that a run taken up again does
    not make a new link (voiding the one already sent) for an email it will not send again."""
    full = delivery.next_key(kind, key, take=False)
    return full is not None and Email.objects.filter(key=full, status=Email.Status.SENT).exists()


def resend(emails, *, actor=None) -> list[Email]:
    """Staff put failed emails back in the queue (failed → queued, attempts from zero); each is
    announced (signal `email_resent`, for the audit trail) and sent once this commits. Rows that
    are not failed, or that nothing can make again, are left; the rows put back are returned."""
    back = []
    with transaction.atomic():
        rows = Email.objects.select_for_update().filter(pk__in=[email.pk for email in emails]).order_by("pk")
        for email in rows:
            if not states.can_go(email.status, Email.Status.QUEUED) or not can_send_again(email):
                continue
            Email.objects.filter(pk=email.pk, status=email.status).update(
                status=Email.Status.QUEUED, attempts=0, next_attempt_at=None, claimed_at=None
            )
            email.refresh_from_db()
            back.append(email)
            email_resent.send(sender=Email, email=email, actor=actor)
            transaction.on_commit(functools.partial(hand_over, email.pk))
    return back


def can_send_again(email: Email) -> bool:
    """Kept in full, or made by a task that can be run again."""
    return email.kept_in_full or delivery.origin_task(email) is not None


def deliver_due(now=None) -> int:
    """Send every email due (queued and left behind, retrying and due, or abandoned by a dead
    sender); safe on several workers at once. Run it periodically (the recurring jobs) or with
    `manage.py deliver_emails`. Returns how many were sent."""
    return delivery.deliver_due(now)


MASKED_LINK = "[lien masqué / link hidden]"


def student_address(registration) -> str:
    """Where a registration's emails go: the address typed in it, else the account's."""
    return registration.cleaned.get("contacts", {}).get("email") or registration.student.user.email


def send_login_link_email(candidate, url: str) -> Email:
    """The connection link, sent now (called from the worker). The log keeps no usable link."""
    context = {"candidate": candidate, "url": url, "minutes": settings.LOGIN_LINK_MINUTES}
    body = render_bilingual("notifications/email/login_link.txt", context)
    return send_now(
        kind="login_link",
        to=candidate.email,
        subject="Votre lien de connexion / Your login link — Matricule",
        body=body,
        logged_body=body.replace(url, MASKED_LINK),
    )


ACCOUNT_LINK_SUBJECTS = {
    "activate": "Activez votre compte étudiant / Activate your student account — Matricule",
    "reset": "Nouveau mot de passe / Reset your password — Matricule",
}


def send_account_link_email(user, *, purpose: str, to: str, url: str, hours: int, minutes: int) -> Email:
    """A student account's activation ("activate") or password reset ("reset") link, sent now
    (called from the worker). The log keeps no usable link."""
    student = getattr(user, "student", None)
    context = {
        "first_name": user.first_name,
        "url": url,
        "student_number": student.student_number if student else "",
        "hours": hours,
        "minutes": minutes,
    }
    template = "activation" if purpose == "activate" else "reset"
    body = render_bilingual(f"notifications/email/account_{template}.txt", context)
    return send_now(
        kind=f"account_{purpose}",
        to=to,
        subject=ACCOUNT_LINK_SUBJECTS[purpose],
        body=body,
        logged_body=body.replace(url, MASKED_LINK),
    )


def send_registration_confirmation_email(registration, pdf: bytes) -> Email:
    """Registration confirmed: student number and the summary PDF attached."""
    user = registration.student.user
    to = student_address(registration)
    context = {
        "registration": registration,
        "number": registration.student.student_number,
        "first_name": user.first_name,
        "site_url": settings.SITE_URL,
    }
    body = render_bilingual("notifications/email/registration_confirmed.txt", context)
    subject = (
        f"Inscription {registration.academic_year.code} confirmée / "
        f"Registration confirmed — {registration.student.student_number}"
    )
    name = f"recapitulatif-{registration.student.student_number}.pdf"
    return send_now(
        kind="registration_confirmed",
        to=to,
        subject=subject,
        body=body,
        attachments=((name, pdf, "application/pdf"),),
    )


def send_document_refused_email(submission) -> Email:
    registration = submission.registration
    user = registration.student.user
    to = student_address(registration)
    context = {
        "submission": submission,
        "first_name": user.first_name,
        "site_url": settings.SITE_URL,
        "registration": registration,
    }
    body = render_bilingual("notifications/email/document_refused.txt", context)
    reviewed = submission.reviewed_at.isoformat() if getattr(submission, "reviewed_at", None) else ""
    return queue_email(
        kind="document_refused",
        to=to,
        body=body,
        subject="Pièce justificative refusée / Supporting document refused",
        key=f"submission:{submission.pk}:{reviewed}" if reviewed else None,  # one email per refusal
    )


def send_documents_complete_email(registration) -> Email:
    user = registration.student.user
    to = student_address(registration)
    context = {"registration": registration, "first_name": user.first_name, "site_url": settings.SITE_URL}
    body = render_bilingual("notifications/email/documents_complete.txt", context)
    return queue_email(
        kind="documents_complete",
        to=to,
        body=body,
        subject=("Dossier complet, certificat disponible / File complete, certificate available"),
        key=f"registration:{registration.pk}",  # the file becomes complete once
    )


def _send_request_decision(student_request, kind: str, subject: str) -> Email:
    """The student is told of the decision on their request (`kind` names the email and its
    template); one email per request, since a request is decided once."""
    registration = student_request.registration
    context = {
        "student_request": student_request,
        "registration": registration,
        "first_name": registration.student.first_names or registration.student.user.first_name,
        "number": registration.student.student_number,
        "site_url": settings.SITE_URL,
    }
    return queue_email(
        kind=kind,
        to=student_address(registration),
        body=render_bilingual(f"notifications/email/{kind}.txt", context),
        subject=subject,
        key=f"request:{student_request.pk}",
    )


def send_request_accepted_email(student_request) -> Email:
    return _send_request_decision(student_request, "request_accepted", "Demande acceptée / Request accepted")


def send_request_refused_email(student_request) -> Email:
    return _send_request_decision(student_request, "request_refused", "Demande refusée / Request refused")


def send_identity_corrected_email(
    student, *, to: str, fields: list[str], reason: str, event_id: int
) -> Email:
    """The student is told that the registrar's office corrected their civil identity, what and
    why (one email per correction)."""
    context = {
        "student": student,
        "fields": fields,
        "reason": reason,
        "first_name": student.first_names or student.user.first_name,
        "site_url": settings.SITE_URL,
    }
    return queue_email(
        kind="identity_corrected",
        to=to,
        body=render_bilingual("notifications/email/identity_corrected.txt", context),
        subject="Identité corrigée / Identity corrected",
        key=f"identity:{event_id}",
    )


def send_registration_reopened_email(registration, *, reason: str, event_id: int) -> Email:
    """The student is told that their registration form is open again for a correction, and why."""
    context = {
        "registration": registration,
        "reason": reason,
        "first_name": registration.student.first_names or registration.student.user.first_name,
        "site_url": settings.SITE_URL,
    }
    return queue_email(
        kind="registration_reopened",
        to=student_address(registration),
        body=render_bilingual("notifications/email/registration_reopened.txt", context),
        subject="Inscription à corriger / Registration to correct",
        key=f"reopened:{event_id}",
    )


def send_reminder_email(*, to: str, key: str, context: dict) -> Email:
    """A reminder from the registrar's office (backoffice.reminders): what is still missing for the
    person, the deadline and where to sign in. `context`: `first_name`; `missing`, a list of
    {"code": "not_started" | "form" | "payment" | "documents", "documents": [{"name_fr",
    "name_en", "status": "missing" | "refused", "reason_fr", "reason_en", "comment"}]};
    `deadline` (a datetime, or None); `url`. `key`: one per person and day, so a reminder asked
    for again the same day is the same email."""
    return queue_email(
        kind="reminder",
        to=to,
        body=render_bilingual("notifications/email/reminder.txt", context),
        subject="Votre inscription n'est pas terminée / Your registration is not finished",
        key=key,
    )


def send_instalment_email(*, to: str, key: str, notice: str, context: dict) -> Email:
    """An instalment of the fees falls due soon (`notice` "soon") or is overdue ("overdue")
    (payments.instalments). `context`: `first_name`, `number`, `count`, `amount_cents`, `due_on`,
    `url` (the registration's page, where it is paid). `key`: one per instalment, notice and day."""
    subjects = {
        "soon": "Prochaine échéance de vos droits d'inscription / Your next fee instalment",
        "overdue": "Échéance de vos droits d'inscription non payée / Fee instalment not paid",
    }
    return queue_email(
        kind=f"instalment_{notice}",
        to=to,
        body=render_bilingual("notifications/email/instalment.txt", {**context, "notice": notice}),
        subject=subjects[notice],
        key=key,
    )
