"""The enrolment certificate (certificat de scolarité) as a PDF, built with ReportLab platypus.

Independent of the models: the caller fills a CertificateData. Fonts, styles, letterhead and QR
code come from .rendering, like every official PDF's. The certificate carries its serial and
a QR code of its verification address.
"""

import datetime
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import TopPadder

from .rendering import (
    CONTENT_WIDTH,
    FONT,
    STYLES,
    cell_padding,
    letterhead,
    paragraph,
    qr_drawing,
    rows,
    student_pdf,
)

# Derived from the summary's styles rather than redefined, so that both documents stay alike.
TITLE_STYLE = ParagraphStyle("certificate-title", parent=STYLES["title"], alignment=TA_CENTER, spaceAfter=4)
YEAR_STYLE = ParagraphStyle("certificate-year", parent=STYLES["subtitle"], alignment=TA_CENTER)
SIGNATURE_STYLE = ParagraphStyle("certificate-signature", parent=STYLES["body"], leftIndent=CONTENT_WIDTH / 2)

VERIFICATION_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        *cell_padding(0, 0, 0, 2),
    ]
)


@dataclass(frozen=True)
class CertificateData:
    """What the certificate prints, already chosen for data.language (e.g. the signatory's title)."""

    language: str  # "fr" or "en"
    university_name: str
    component_name: str
    component_address_lines: list[str]
    logo_png: bytes | None
    signatory_name: str
    signatory_title: str
    last_name: str
    first_names: str
    birth_date: datetime.date | None
    student_number: str
    ine: str  # may be ""
    stage_name: str
    programme_name: str
    academic_year: str  # "2026-2027"
    serial: str
    verification_url: str  # absolute, contains the serial
    issued_on: datetime.date
    city: str  # where it is issued: "Fait à Chartres, le …"
    address_lines: tuple[str, ...] = ()  # the student's postal address, printed under their identity


# --- Document --------------------------------------------------------------------------------------


def _story(data: CertificateData) -> list:
    full_name = f"{data.last_name} {data.first_names}"
    birth_date = formats.date_format(data.birth_date, "j F Y") if data.birth_date else "—"
    issued_on = formats.date_format(data.issued_on, "j F Y")
    url = escape(data.verification_url, {'"': "&quot;"})
    # The address as a link too: a reader of the PDF on screen only has to click it. The sentence is
    # escaped and the link is markup: a placeholder keeps them apart.
    link = f'<a href="{url}">{url}</a>'
    check = Paragraph(
        "<br/>".join(
            [
                escape(_("Document number: %(serial)s") % {"serial": data.serial}),
                escape(_("Check this certificate at %(url)s") % {"url": "\0"}).replace("\0", link),
            ]
        ),
        STYLES["small"],
    )
    # One flowable, so that TopPadder can take it to the foot of the page.
    verification = Table(
        [[qr_drawing(data.verification_url)], [check]], style=VERIFICATION_STYLE, hAlign="LEFT"
    )
    return [
        letterhead(data.university_name, data.component_name, data.component_address_lines, data.logo_png),
        Spacer(0, 16 * mm),
        Paragraph(escape(_("Enrolment certificate")), TITLE_STYLE),
        Paragraph(escape(_("Academic year %(year)s") % {"year": data.academic_year}), YEAR_STYLE),
        Spacer(0, 8 * mm),
        paragraph(
            _("The undersigned, %(name)s, %(title)s, certifies that the student:")
            % {"name": data.signatory_name, "title": data.signatory_title}
        ),
        Spacer(0, 3 * mm),
        rows(
            [
                (_("Full name"), full_name),
                (_("Date of birth"), birth_date),
                (_("Student number"), data.student_number),
                (_("INE (national student identifier)"), data.ine or _("Not given")),
                *([(_("Address"), ", ".join(data.address_lines))] if data.address_lines else []),
            ]
        ),
        Spacer(0, 3 * mm),
        paragraph(
            _("is registered at %(component)s, %(university)s, for the academic year %(year)s, in:")
            % {
                "component": data.component_name,
                "university": data.university_name,
                "year": data.academic_year,
            }
        ),
        Spacer(0, 3 * mm),
        rows([(_("Diploma"), data.programme_name), (_("Year of study"), data.stage_name)]),
        Spacer(0, 6 * mm),
        paragraph(_("This certificate is issued for whatever purpose it may lawfully serve.")),
        Spacer(0, 10 * mm),
        Paragraph(
            "<br/>".join(
                [
                    escape(_("Issued in %(city)s on %(date)s") % {"city": data.city, "date": issued_on}),
                    f"<b>{escape(data.signatory_name)}</b>",
                    escape(data.signatory_title),
                ]
            ),
            SIGNATURE_STYLE,
        ),
        # At the foot of the page, where a reader expects the means to check a document.
        TopPadder(verification),
    ]


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF bytes, in data.language (labels, dates and /Lang)."""
    with translation.override(data.language):
        return student_pdf(
            data,
            _story(data),
            title=_("Enrolment certificate %(year)s – %(name)s"),
            subject=_("Enrolment certificate no. %(serial)s") % {"serial": data.serial},
        )
