"""The emails of student requests: one function per email, bilingual, queued on commit."""

from django.conf import settings

from matricule.notifications.models import Email
from matricule.notifications.services import queue_email, render_bilingual


def _context(student_request) -> tuple[str, dict]:
    registration = student_request.registration
    user = registration.student.user
    to = registration.cleaned.get("contacts", {}).get("email") or user.email
    return to, {
        "student_request": student_request,
        "registration": registration,
        "first_name": registration.student.first_names or user.first_name,
        "number": registration.student.student_number,
        "site_url": settings.SITE_URL,
    }


def send_request_accepted_email(student_request) -> Email:
    to, context = _context(student_request)
    body = render_bilingual("requests/email/accepted.txt", context)
    return queue_email(
        kind="request_accepted", to=to, body=body, subject="Demande acceptée / Request accepted"
    )


def send_request_refused_email(student_request) -> Email:
    to, context = _context(student_request)
    body = render_bilingual("requests/email/refused.txt", context)
    return queue_email(kind="request_refused", to=to, body=body, subject="Demande refusée / Request refused")
