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


def send_login_link_email(candidate, url: str) -> Email:
    """The connection link, sent now (called from the worker). The log keeps no usable link."""
    context = {"candidate": candidate, "url": url, "minutes": settings.LOGIN_LINK_MINUTES}
    body = render_bilingual("notifications/email/login_link.txt", context)
    subject = "Votre lien de connexion / Your login link — Matricule"
    email = Email.objects.create(
        kind="login_link",
        to=candidate.email,
        subject=subject,
        body=body.replace(url, "[lien masqué / link hidden]"),
    )
    try:
        EmailMessage(subject=subject, body=body, to=[candidate.email]).send()
    except Exception as error:
        email.status, email.error = Email.Status.FAILED, str(error)[:2000]
        email.attempts = 1
        email.save(update_fields=["status", "error", "attempts"])
        raise
    email.status, email.sent_at, email.attempts = Email.Status.SENT, timezone.now(), 1
    email.save(update_fields=["status", "sent_at", "attempts"])
    return email


def send_registration_confirmation_email(registration, pdf: bytes) -> Email:
    """Registration confirmed: student number and the summary PDF attached."""
    user = registration.student.user
    to = registration.cleaned.get("contacts", {}).get("email") or user.email
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
    email = Email.objects.create(kind="registration_confirmed", to=to, subject=subject, body=body)
    message = EmailMessage(subject=subject, body=body, to=[to])
    message.attach(f"recapitulatif-{registration.student.student_number}.pdf", pdf, "application/pdf")
    message.send()
    email.status, email.sent_at, email.attempts = Email.Status.SENT, timezone.now(), 1
    email.save(update_fields=["status", "sent_at", "attempts"])
    return email


def send_document_refused_email(submission) -> Email:
    registration = submission.registration
    user = registration.student.user
    to = registration.cleaned.get("contacts", {}).get("email") or user.email
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
    to = registration.cleaned.get("contacts", {}).get("email") or user.email
    context = {"registration": registration, "first_name": user.first_name, "site_url": settings.SITE_URL}
    body = render_bilingual("notifications/email/documents_complete.txt", context)
    return queue_email(
        kind="documents_complete",
        to=to,
        body=body,
        subject=("Dossier complet, certificat disponible / File complete, certificate available"),
    )
