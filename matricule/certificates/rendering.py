"""The registration summary (récapitulatif d'inscription) as a PDF, built with ReportLab platypus.

Independent of the models: the caller fills a SummaryData. The PDF carries real text in an embedded
TrueType font (subsets of DejaVu Sans), a title, an author and the document language, and its
content stream follows the reading order.
ReportLab's open-source edition does not write a structure tree, so the PDF is not tagged.
"""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    ListFlowable,
    ListItem,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

# DejaVu Sans, shipped in fonts/ with its licence. Not ReportLab's Vera, although it has é and €:
# Vera lacks most of Latin Extended-A (ă, ą, č, ę, ł, ő, ř, ș, ț…), so names of students from
# Central Europe, Romania or Vietnam would lose letters.
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "MatriculeSans"
FONT_BOLD = "MatriculeSans-Bold"

# Value of /Lang in the PDF catalog, per interface language.
PDF_LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 55 * mm
AMOUNT_WIDTH = 35 * mm
TEXT_COLOR = colors.HexColor("#1e1e1e")
RULE_COLOR = colors.HexColor("#b0b0b0")


def _register_fonts() -> None:
    # Once per process: the font registry of ReportLab is global, and parsing the TTF files on
    # every call would cost more than laying out the page.
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


_register_fonts()

# ASCII85 only makes page streams 25 % larger and slower to write (about 1 ms a page): it dates from
# 7-bit mail transport. Process-wide, but every PDF ReportLab writes stays valid without it.
rl_config.useA85 = 0


def _style(name: str, **kwargs) -> ParagraphStyle:
    defaults = {"fontName": FONT, "fontSize": 10, "leading": 13, "textColor": TEXT_COLOR}
    return ParagraphStyle(name, **(defaults | kwargs))


# Built once: styles are read, never changed, while laying out.
STYLES = {
    "title": _style("title", fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=2),
    "subtitle": _style("subtitle", fontSize=12, leading=15, spaceAfter=8),
    "heading": _style(
        "heading", fontName=FONT_BOLD, fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4, keepWithNext=1
    ),
    "body": _style("body"),
    "strong": _style("strong", fontName=FONT_BOLD),
    "small": _style("small", fontSize=8.5, leading=11, textColor=colors.HexColor("#4a4a4a")),
}

ROWS_STYLE = TableStyle(
    [
        # Also sets the font around paragraph cells, which would otherwise bring in Helvetica.
        ("FONT", (0, 0), (-1, -1), FONT, 10, 13),
        ("FONT", (0, 0), (0, -1), FONT_BOLD, 10, 13),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)

FEES_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10, 13),
        ("FONT", (0, -1), (-1, -1), FONT_BOLD, 10, 13),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT_COLOR),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, -2), 0.5, RULE_COLOR),
        ("LINEABOVE", (0, -1), (-1, -1), 1, TEXT_COLOR),
    ]
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


def format_amount(cents: int, language: str) -> str:
    """ "1 234,50 €" in French, "€1,234.50" in English (a plain space: amounts sit in table cells
    that never wrap, and a plain space is what a reader searching the text types)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    if language == "fr":
        return f"{sign}{euros:,}".replace(",", " ") + f",{rest:02d} €"
    return f"{sign}€{euros:,}.{rest:02d}"


def _p(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text: data is escaped, since Paragraph parses markup."""
    return Paragraph(escape(text), STYLES[style])


def _cell(text: str, bold: bool, width: float) -> str | Paragraph:
    """Plain text drawn by the table when it fits on one line, else a wrapping paragraph.

    Most cells fit; a plain cell skips the markup parsing and line breaking of a Paragraph, which
    is a good part of the time of a summary.
    """
    font = FONT_BOLD if bold else FONT
    if "\n" not in text and pdfmetrics.stringWidth(text, font, 10) <= width:
        return text
    return _p(text, "strong" if bold else "body")


def _rows(rows: list[tuple[str, str]]) -> Table:
    label_width, value_width = LABEL_WIDTH - 6, CONTENT_WIDTH - LABEL_WIDTH - 6  # less right padding
    return Table(
        [[_cell(label, True, label_width), _cell(value, False, value_width)] for label, value in rows],
        colWidths=[LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH],
        style=ROWS_STYLE,
        hAlign="LEFT",
    )


def _issued_at(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _story(data: SummaryData) -> list:
    lang = data.language
    full_name = f"{data.last_name} {data.first_names}"
    story = [
        _p(_("Registration summary"), "title"),
        _p(_("Academic year %(year)s") % {"year": data.academic_year}, "subtitle"),
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
    story += [_p(_("Student"), "heading"), _rows(identity)]

    story += [
        _p(_("Programme"), "heading"),
        _rows([(_("Diploma"), data.programme_name), (_("Year of study"), data.stage_name)]),
    ]

    label_width = CONTENT_WIDTH - AMOUNT_WIDTH - 6
    fees = [[_cell(label, False, label_width), format_amount(cents, lang)] for label, cents in data.fee_lines]
    fees.append([_("Total"), format_amount(data.total_cents, lang)])
    story += [
        _p(_("Registration fees"), "heading"),
        Table(fees, colWidths=[CONTENT_WIDTH - AMOUNT_WIDTH, AMOUNT_WIDTH], style=FEES_STYLE, hAlign="LEFT"),
        Spacer(0, 4),
        _p(_("Payment: %(status)s") % {"status": data.payment_text}),
    ]

    story.append(_p(_("Documents to upload"), "heading"))
    if data.documents:
        story += [
            _p(
                _(
                    "Upload these supporting documents in your student account. Your enrolment "
                    "certificate is available once the registrar has validated all of them."
                )
            ),
            Spacer(0, 3),
            ListFlowable(
                [ListItem(_p(document), leftIndent=14) for document in data.documents],
                bulletType="bullet",
                start="•",
                bulletFontName=FONT,
                bulletFontSize=10,
                leftIndent=14,
            ),
        ]
    else:
        story.append(_p(_("No document to upload.")))

    issued = _issued_at(data.issued_at)
    footer = [
        _("Issued on %(date)s at %(time)s.")
        % {"date": formats.date_format(issued, "j F Y"), "time": issued.strftime("%H:%M")}
    ]
    if data.serial:
        footer.append(_("Document number: %(serial)s") % {"serial": data.serial})
    story += [Spacer(0, 10), Paragraph("<br/>".join(map(escape, footer)), STYLES["small"])]
    return story


def build_pdf(
    buffer, story: list, *, language: str, title: str, author: str, subject: str, on_page_end=None
) -> None:
    """An A4 document in the embedded font, with its title, author, subject and /Lang set (shared
    by every official PDF Matricule issues)."""
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        subject=subject,
        creator="Matricule",
        # Otherwise the canvas starts in Helvetica, a font that is then listed but not embedded.
        initialFontName=FONT,
        initialFontSize=10,
        lang=PDF_LANGUAGES.get(language, language),
        displayDocTitle=True,
    )
    frame = Frame(
        MARGIN,
        MARGIN,
        CONTENT_WIDTH,
        PAGE_HEIGHT - 2 * MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    template = (
        PageTemplate(id="page", frames=[frame], onPageEnd=on_page_end)
        if on_page_end
        else PageTemplate(id="page", frames=[frame])
    )
    doc.addPageTemplates([template])
    doc.build(story)


def render_summary(data: SummaryData) -> bytes:
    """The summary as PDF bytes, in data.language (labels, dates, amounts and /Lang)."""
    buffer = io.BytesIO()
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

        build_pdf(
            buffer,
            _story(data),
            language=data.language,
            author=data.university_name,
            title=_("Registration summary %(year)s – %(name)s")
            % {"year": data.academic_year, "name": full_name},
            subject=_("Registration summary"),
            on_page_end=mark_page,
        )
    return buffer.getvalue()
