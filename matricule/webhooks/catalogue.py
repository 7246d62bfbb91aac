"""The events a subscription may ask for, with what the admin shows of each."""

from django.utils.translation import gettext_lazy as _

EVENT_TYPES = {
    "registration.submitted": _("Registration submitted"),
    "registration.registered": _("Registration completed (student registered)"),
    "registration.cancelled": _("Registration cancelled"),
    "payment.confirmed": _("Payment confirmed"),
    "payment.refunded": _("Payment refunded (in full or in part)"),
    "documents.completed": _("Documents complete"),
    "certificate.issued": _("Enrolment certificate issued"),
    "student.updated": _("Student's identity or contact details changed"),
    "request.filed": _("Student request filed"),
    "request.decided": _("Student request decided"),
}
