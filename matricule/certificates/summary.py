"""The registration summary (récapitulatif d'inscription): its content, as HTML and as PDF."""

import datetime
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.platypus import ListFlowable, ListItem, Paragraph, Spacer, Table

from matricule import countries
from matricule.documents.services import required_types
from matricule.fees.rules import fee_label
from matricule.registration.models import Registration, State

from .rendering import (
    AMOUNT_WIDTH,
    CONTENT_WIDTH,
    FEES_STYLE,
    FONT,
    MARGIN,
    PAGE_WIDTH,
    STYLES,
    cell,
    format_amount,
    local_time,
    paragraph,
    rows,
    student_pdf,
)


@dataclass(frozen=True)
class SummaryData:
    language: str  # "fr" or "en"
    university_name: str
    component_name: str
    component_address_lines: list[str]
    component_email: str
    component_phones: list[str]
    academic_year: str  # "2026-2027"
    student_number: str
    last_name: str
    first_names: str
    birth_date: datetime.date | None
    birth_place: str
    email: str
    stage_name: str
    programme_name: str
    fee_lines: list[tuple[str, int]]  # (label, amount in cents)
    total_cents: int
    payment_text: str  # already translated, e.g. "Paid by card on 26/11/2026"
    documents: list[str]  # labels of the supporting documents to upload
    issued_at: datetime.datetime
    usual_name: str | None = None
    ine: str | None = None
    ine_to_verify: bool = False
    serial: str | None = None


def required_documents(registration: Registration) -> list[str]:
    """The supporting documents to upload: the year's requirement rules (documents module),
    or, for a year configured without rules, the usual list from what the student declared."""
    configured = required_types(registration)
    if configured:
        return [document_type.name for document_type in configured]
    cleaned = registration.cleaned
    documents = [_("Identity card or passport"), _("Photo for the student card")]
    if cleaned.get("baccalaureate", {}).get("kind") == "equivalent":
        documents.append(_("Equivalent diploma and its translation"))
    else:
        documents.append(_("Baccalaureate transcript or certificate"))
    documents.append(_("CVEC attestation"))
    if cleaned.get("social", {}).get("grant", "none") != "none":
        documents.append(_("Grant notification"))
    if cleaned.get("social", {}).get("pupille") == "yes":
        documents.append(_("Proof of pupille de la nation status"))
    if cleaned.get("social", {}).get("athlete") == "yes":
        documents.append(_("High-level athlete certificate"))
    return documents


def payment_text(registration: Registration) -> str:
    if registration.fee_total_cents == 0:
        return _("Exempt from registration fees (the proof will be checked by the registrar's office).")
    confirmed = registration.payments.filter(status="confirmed")
    if registration.state in (State.EXEMPT, State.REGISTERED) and not confirmed.exists():
        return _("Exempt from registration fees.")  # decided by the registrar's office
    if confirmed.filter(manual=True).exists():
        return _("Paid at the registrar's office.")
    if registration.state in (State.PAID, State.REGISTERED):
        return _("Paid by card.")
    return _("Awaiting payment.")


def summary_data(registration: Registration, language: str | None = None) -> SummaryData:
    language = language or translation.get_language() or "fr"
    with translation.override(language):
        component = registration.stage.programme.component
        student = registration.student
        identity = registration.cleaned.get("identity", {})
        ine = registration.cleaned.get("ine", {})
        contacts = registration.cleaned.get("contacts", {})
        user = registration.student.user
        return SummaryData(
            language=language[:2],
            university_name=component.university.name,
            component_name=component.name,
            component_address_lines=[component.street, f"{component.postal_code} {component.city}"],
            component_email=component.email,
            component_phones=component.phone_list,
            academic_year=registration.academic_year.code,
            student_number=registration.student.student_number or "",
            last_name=student.last_name or user.last_name,
            usual_name=identity.get("usual_name", ""),
            first_names=student.first_names or user.first_name,
            birth_date=student.birth_date,
            birth_place=", ".join(
                part
                for part in (identity.get("birth_town"), countries.name(identity.get("birth_country", "")))
                if part
            ),
            ine=ine.get("ine", "") if ine.get("has_ine") == "yes" else "",
            ine_to_verify=bool(ine.get("ine_to_verify")),
            email=contacts.get("email", user.email),
            stage_name=registration.stage.name,
            programme_name=registration.stage.programme.name,
            fee_lines=[(fee_label(line["code"]), line["amount_cents"]) for line in registration.fee_lines],
            total_cents=registration.fee_total_cents or 0,
            payment_text=payment_text(registration),
            documents=required_documents(registration),
            issued_at=timezone.localtime(),
            serial=None,
        )


def summary_pdf(registration: Registration, language: str | None = None) -> bytes:
    return render_summary(summary_data(registration, language))


def _story(data: SummaryData) -> list:
    lang = data.language
    full_name = f"{data.last_name} {data.first_names}"
    story = [
        paragraph(_("Registration summary"), "title"),
        paragraph(_("Academic year %(year)s") % {"year": data.academic_year}, "subtitle"),
    ]
    # One paragraph of lines rather than one per line: each paragraph costs a markup parse.
    contact = [f"<b>{escape(data.university_name)}</b>", f"<b>{escape(data.component_name)}</b>"]
    contact += [escape(line) for line in data.component_address_lines]
    if data.component_email:
        contact.append(escape(_("Email: %(email)s") % {"email": data.component_email}))
    if data.component_phones:
        contact.append(escape(_("Phone: %(phones)s") % {"phones": " / ".join(data.component_phones)}))
    story.append(Paragraph("<br/>".join(contact), STYLES["body"]))

    if data.ine:
        ine = data.ine
        if data.ine_to_verify:
            ine = _("%(ine)s (to be verified by the registrar)") % {"ine": data.ine}
    else:
        ine = _("Not given")
    identity = [
        (_("Full name"), full_name),
        *([(_("Usual name"), data.usual_name)] if data.usual_name else []),
        (_("Student number"), data.student_number),
        (_("Date of birth"), formats.date_format(data.birth_date, "j F Y") if data.birth_date else "—"),
        (_("Place of birth"), data.birth_place),
        (_("INE (national student identifier)"), ine),
        (_("Email"), data.email),
    ]
    story += [paragraph(_("Student"), "heading"), rows(identity)]

    story += [
        paragraph(_("Programme"), "heading"),
        rows([(_("Diploma"), data.programme_name), (_("Year of study"), data.stage_name)]),
    ]

    label_width = CONTENT_WIDTH - AMOUNT_WIDTH - 6
    fees = [[cell(label, False, label_width), format_amount(cents, lang)] for label, cents in data.fee_lines]
    fees.append([_("Total"), format_amount(data.total_cents, lang)])
    story += [
        paragraph(_("Registration fees"), "heading"),
        Table(fees, colWidths=[CONTENT_WIDTH - AMOUNT_WIDTH, AMOUNT_WIDTH], style=FEES_STYLE, hAlign="LEFT"),
        Spacer(0, 4),
        paragraph(_("Payment: %(status)s") % {"status": data.payment_text}),
    ]

    story.append(paragraph(_("Documents to upload"), "heading"))
    if data.documents:
        story += [
            paragraph(
                _(
                    "Upload these supporting documents in your student account. Your enrolment "
                    "certificate is available once the registrar has validated all of them."
                )
            ),
            Spacer(0, 3),
            ListFlowable(
                [ListItem(paragraph(document), leftIndent=14) for document in data.documents],
                bulletType="bullet",
                start="•",
                bulletFontName=FONT,
                bulletFontSize=10,
                leftIndent=14,
            ),
        ]
    else:
        story.append(paragraph(_("No document to upload.")))

    issued = local_time(data.issued_at)
    footer = [
        _("Issued on %(date)s at %(time)s.")
        % {"date": formats.date_format(issued, "j F Y"), "time": issued.strftime("%H:%M")}
    ]
    if data.serial:
        footer.append(_("Document number: %(serial)s") % {"serial": data.serial})
    story += [Spacer(0, 10), Paragraph("<br/>".join(map(escape, footer)), STYLES["small"])]
    return story


def render_summary(data: SummaryData) -> bytes:
    """The summary as PDF bytes, in data.language (labels, dates, amounts and /Lang)."""
    with translation.override(data.language):
        full_name = f"{data.last_name} {data.first_names}"
        # Drawn at the end of each page, after its content, so that it comes last when read aloud.
        page_mark = _("%(name)s, student number %(number)s, page %(page)d")

        def mark_page(canvas, doc):
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.setFillColor(STYLES["small"].textColor)
            canvas.drawRightString(
                PAGE_WIDTH - MARGIN,
                MARGIN / 2,
                page_mark % {"name": full_name, "number": data.student_number, "page": doc.page},
            )
            canvas.restoreState()

        return student_pdf(
            data,
            _story(data),
            title=_("Registration summary %(year)s – %(name)s"),
            subject=_("Registration summary"),
            on_page_end=mark_page,
        )
