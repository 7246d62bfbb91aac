"""One function per email. Each renders a bilingual template and queues delivery."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from .models import Email
from .tasks import deliver_email


def queue_email(*, kind: str, to: str, subject: str, body: str) -> Email:
    """Log the message and hand it to the task queue once the transaction commits."""
    email = Email.objects.create(kind=kind, to=to, subject=subject[:255], body=body)
    transaction.on_commit(lambda: deliver_email.enqueue(email.pk))
    return email


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
    *, kind: str, to: str, subject: str, body: str, logged_body: str | None = None, attachments: tuple = ()
) -> Email:
    """Send a message at once (from a task worker) and log it; `logged_body` is what the log
    keeps when the message holds a secret (a link). A failure is logged and raised."""
    email = Email.objects.create(
        kind=kind, to=to, subject=subject[:255], body=body if logged_body is None else logged_body
    )
    message = EmailMessage(subject=subject, body=body, to=[to])
    for attachment in attachments:
        message.attach(*attachment)
    try:
        message.send()
    except Exception as error:
        email.status, email.error, email.attempts = Email.Status.FAILED, str(error)[:2000], 1
        email.save(update_fields=["status", "error", "attempts"])
        raise
    email.status, email.sent_at, email.attempts = Email.Status.SENT, timezone.now(), 1
    email.save(update_fields=["status", "sent_at", "attempts"])
    return email


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
    return queue_email(
        kind="document_refused",
        to=to,
        body=body,
        subject="Pièce justificative refusée / Supporting document refused",
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
    )


def _request_context(student_request) -> dict:
    registration = student_request.registration
    return {
        "student_request": student_request,
        "registration": registration,
        "first_name": registration.student.first_names or registration.student.user.first_name,
        "number": registration.student.student_number,
        "site_url": settings.SITE_URL,
    }


def send_request_accepted_email(student_request) -> Email:
    body = render_bilingual("notifications/email/request_accepted.txt", _request_context(student_request))
    return queue_email(
        kind="request_accepted",
        to=student_address(student_request.registration),
        body=body,
        subject="Demande acceptée / Request accepted",
    )


def send_request_refused_email(student_request) -> Email:
    body = render_bilingual("notifications/email/request_refused.txt", _request_context(student_request))
    return queue_email(
        kind="request_refused",
        to=student_address(student_request.registration),
        body=body,
        subject="Demande refusée / Request refused",
    )
