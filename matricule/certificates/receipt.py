"""The payment receipt (attestation de paiement): proof of the fees paid, as a PDF."""

import io

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from matricule.payments.models import Payment

from .rendering import ROWS_STYLE, STYLES, format_amount, page_settings


def receipt_pdf(payment: Payment, language: str = "fr", serial: str | None = None) -> bytes:
    registration = payment.registration
    component = registration.stage.programme.component
    name = registration.student.full_name
    buffer = io.BytesIO()
    with translation.override(language):
        confirmed = timezone.localtime(payment.confirmed_at or payment.updated_at)
        rows = [
            (_("Student"), name),
            (_("Student number"), registration.student.student_number or "—"),
            (_("Programme"), f"{registration.stage.name} — {registration.stage.programme.name}"),
            (_("Academic year"), registration.academic_year.code),
            (_("Amount paid"), format_amount(payment.paid_cents or 0, language)),
            (_("Date of payment"), formats.date_format(confirmed, "j F Y")),
            (
                _("Means of payment"),
                _("Recorded by the registrar's office") if payment.manual else _("Bank card"),
            ),
            (_("Payment reference"), payment.reference),
        ]
        if payment.refunded_cents:
            rows.append((_("Refunded"), format_amount(payment.refunded_cents, language)))
        if serial:
            rows.append((_("Document number"), serial))
        table = Table([[label, value] for label, value in rows], colWidths=[60 * mm, None])
        table.setStyle(ROWS_STYLE)
        story = [
            Paragraph(_("Payment receipt"), STYLES["title"]),
            Paragraph(f"{component.university.name} — {component.name}", STYLES["subtitle"]),
            Paragraph(
                _("The university certifies that the following registration fees have been paid."),
                STYLES["body"],
            ),
            Spacer(0, 8),
            table,
            Spacer(0, 12),
            Paragraph(
                _("Issued on %(date)s.") % {"date": formats.date_format(timezone.localtime(), "j F Y")},
                STYLES["small"],
            ),
        ]
        title = _("Payment receipt %(year)s – %(name)s") % {
            "year": registration.academic_year.code,
            "name": name,
        }
        doc = SimpleDocTemplate(
            buffer, **page_settings(language=language, title=title, author=component.university.name)
        )
        doc.build(story)
    return buffer.getvalue()
