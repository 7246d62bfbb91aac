"""The official PDFs' common layout: every PDF Matricule issues (the registration summary, the
payment receipt, the enrolment certificate) is made with these fonts, styles, tables, letterhead
and QR code, built with ReportLab platypus.

The PDFs carry real text in an embedded TrueType font (subsets of DejaVu Sans), a title, an
author and the document language, and their content streams follow the reading order.
ReportLab's open-source edition does not write a structure tree, so the PDFs are not tagged.
"""

import copy
import datetime
import functools
import hashlib
import io
import itertools
import re
from pathlib import Path
from xml.sax.saxutils import escape

import PIL.Image
from django.utils import timezone
from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import DirectDraw, Drawing, Group
from reportlab.graphics.shapes import Path as ShapePath
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
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


def cell_padding(left: float, right: float, top: float, bottom: float) -> list[tuple]:
    """The table style commands that pad every cell of a table."""
    return [
        ("LEFTPADDING", (0, 0), (-1, -1), left),
        ("RIGHTPADDING", (0, 0), (-1, -1), right),
        ("TOPPADDING", (0, 0), (-1, -1), top),
        ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
    ]


ROWS_STYLE = TableStyle(
    [
        # Also sets the font around paragraph cells, which would otherwise bring in Helvetica.
        ("FONT", (0, 0), (-1, -1), FONT, 10, 13),
        ("FONT", (0, 0), (0, -1), FONT_BOLD, 10, 13),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *cell_padding(0, 6, 2, 2),
    ]
)

FEES_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10, 13),
        ("FONT", (0, -1), (-1, -1), FONT_BOLD, 10, 13),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT_COLOR),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *cell_padding(0, 0, 3, 3),
        ("LINEBELOW", (0, 0), (-1, -2), 0.5, RULE_COLOR),
        ("LINEABOVE", (0, -1), (-1, -1), 1, TEXT_COLOR),
    ]
)


def format_amount(cents: int, language: str) -> str:
    """ "1 234,50 €" in French, "€1,234.50" in English (a plain space: amounts sit in table cells
    that never wrap, and a plain space is what a reader searching the text types)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    if language == "fr":
        return f"{sign}{euros:,}".replace(",", " ") + f",{rest:02d} €"
    return f"{sign}€{euros:,}.{rest:02d}"


def paragraph(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text: data is escaped, since Paragraph parses markup."""
    return Paragraph(escape(text), STYLES[style])


def cell(text: str, bold: bool, width: float) -> str | Paragraph:
    """Plain text drawn by the table when it fits on one line, else a wrapping paragraph.

    Most cells fit; a plain cell skips the markup parsing and line breaking of a Paragraph, which
    is a good part of the time of a summary.
    """
    font = FONT_BOLD if bold else FONT
    if "\n" not in text and pdfmetrics.stringWidth(text, font, 10) <= width:
        return text
    return paragraph(text, "strong" if bold else "body")


def rows(rows: list[tuple[str, str]]) -> Table:
    label_width, value_width = LABEL_WIDTH - 6, CONTENT_WIDTH - LABEL_WIDTH - 6  # less right padding
    return Table(
        [[cell(label, True, label_width), cell(value, False, value_width)] for label, value in rows],
        colWidths=[LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH],
        style=ROWS_STYLE,
        hAlign="LEFT",
    )


def local_time(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def page_settings(*, language: str, title: str, author: str, **settings) -> dict:
    """What the document template of every official PDF is given: A4 within the margins, the
    embedded font from the start, the title, author and /Lang; `settings` adds to them."""
    return {
        "pagesize": A4,
        "leftMargin": MARGIN,
        "rightMargin": MARGIN,
        "topMargin": MARGIN,
        "bottomMargin": MARGIN,
        "title": title,
        "author": author,
        "creator": "Matricule",
        # Otherwise the canvas starts in Helvetica, a font that is then listed but not embedded.
        "initialFontName": FONT,
        "lang": PDF_LANGUAGES.get(language, language),
        "displayDocTitle": True,
        **settings,
    }


def build_pdf(
    story: list, *, language: str, title: str, author: str, subject: str, on_page_end=None
) -> bytes:
    """An A4 document in the embedded font, with its title, author, subject and /Lang set (shared
    by every official PDF Matricule issues), as PDF bytes."""
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        **page_settings(language=language, title=title, author=author, subject=subject, initialFontSize=10),
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
    return buffer.getvalue()


def student_pdf(data, story: list, *, title: str, subject: str, on_page_end=None) -> bytes:
    """The PDF bytes of a document about one student, made in data.language (the caller's): `data`
    has the language, the university's name (the author), the academic year and the student's
    names; `title` is a sentence with %(year)s and %(name)s."""
    full_name = f"{data.last_name} {data.first_names}"
    return build_pdf(
        story,
        language=data.language,
        author=data.university_name,
        title=title % {"year": data.academic_year, "name": full_name},
        subject=subject,
        on_page_end=on_page_end,
    )


QR_SIZE = 32 * mm
LOGO_MAX_WIDTH = 45 * mm
LOGO_MAX_HEIGHT = 22 * mm

LETTERHEAD_STYLE = TableStyle(
    [
        # Otherwise the table sets Helvetica around its cells, and the PDF lists it.
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *cell_padding(0, 0, 0, 6),
        ("LINEBELOW", (0, 0), (-1, -1), 0.75, RULE_COLOR),
    ]
)


# --- QR code ---------------------------------------------------------------------------------------
#
# ReportLab's encoder and widget, about ten times faster, for the same symbol (a test compares the
# modules with the stock encoder's). Stock, a code took 25 ms, more than a whole certificate's
# budget: 9 ms to encode, mostly scoring the 8 masks module by module and the Reed-Solomon
# arithmetic, then 15 ms to build and draw about 300 validated Rect shapes.

_RUNS = re.compile(rb"\x00{5,}|\x01{5,}")
# ReportLab's finder-like pattern: dark, light, 3 dark, light, dark, then 4 light.
_FINDER = re.compile(rb"\x01\x00\x01\x01\x01\x00\x01\x00\x00\x00\x00")
_DARK_RUNS = re.compile(rb"\x01+")
_EXP, _LOG = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE


@functools.cache
def _generator_logs(degree: int) -> tuple[int | None, ...]:
    """Logs of the Reed-Solomon generator's coefficients after the leading 1 (None for 0)."""
    coefficients = qrencoder.QRUtil.getErrorCorrectPolynomial(degree).num[1:]
    return tuple(_LOG[c] if c else None for c in coefficients)


def _error_correction(data: list[int], degree: int) -> list[int]:
    """The remainder of data·x^degree divided by the generator: what QRPolynomial.mod computes."""
    generator = _generator_logs(degree)
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder.pop(0)
        remainder.append(0)
        if factor:
            shift = _LOG[factor]
            remainder = [
                r if g is None else r ^ _EXP[(shift + g) % 255]
                for r, g in zip(remainder, generator, strict=True)
            ]
    return remainder


def _codewords(version: int, level: int, segments: list) -> list[int]:
    """qrencoder.QRCode.createData, with the error correction above."""
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, level)
    capacity = sum(block.dataCount for block in blocks) * 8
    buffer = qrencoder.QRBitBuffer()
    for segment in segments:
        segment.write(buffer, version)
    if buffer.getLengthInBits() > capacity:
        raise ValueError(f"QR code length overflow ({buffer.getLengthInBits()} > {capacity})")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pad = itertools.cycle([qrencoder.QRCode.PAD0, qrencoder.QRCode.PAD1])
    data = buffer.buffer + [next(pad) for _ in range(capacity // 8 - len(buffer.buffer))]
    offset, data_blocks, ec_blocks = 0, [], []
    for block in blocks:
        data_blocks.append(data[offset : offset + block.dataCount])
        offset += block.dataCount
        ec_blocks.append(_error_correction(data_blocks[-1], block.totalCount - block.dataCount))
    # Interleaved: the first codeword of each block, then the second…
    return [
        codeword
        for blocks in (data_blocks, ec_blocks)
        for column in itertools.zip_longest(*blocks)
        for codeword in column
        if codeword is not None
    ]


class _QRCode(qrencoder.QRCode):
    """qrencoder.QRCode, computing the same symbol faster."""

    # Per version, shared by all codes: where data modules go, and how each mask changes them.
    _positions: dict[int, list[tuple[int, int]]] = {}
    _mask_changes: dict[int, list[list[int]]] = {}

    def make(self):
        if self.version is None:
            self.version = self.calculate_version()
        # makeImpl only computes the codewords when dataCache is empty.
        self.dataCache = _codewords(self.version, self.errorCorrectLevel, self.dataList)
        super().make()

    def dataPosIterator(self):
        if self.version not in self._positions:
            self._positions[self.version] = list(self._dataPosIterator())
        return self._positions[self.version]

    def getBestMaskPattern(self):
        # The stock version lays out the symbol 8 times and scores it module by module. Masks only
        # flip data modules, so the symbol with mask 0 (rows as ints, one byte a module) is XORed
        # with what changes from mask 0 to each other mask, and scored on bytes.
        self.makeImpl(True, 0)
        size = self.moduleCount
        rows = [int.from_bytes(bytes(row), "big") for row in self.modules]
        scores = []
        for changes in self._changes():
            masked = [(row ^ change).to_bytes(size, "big") for row, change in zip(rows, changes, strict=True)]
            scores.append(_lost_points(masked))
        return scores.index(min(scores))  # the first of equals, as in ReportLab

    def _changes(self) -> list[list[int]]:
        if self.version not in self._mask_changes:
            size, positions = self.moduleCount, self.dataPosIterator()
            first = qrencoder.QRUtil.getMask(0)
            changes = []
            for pattern in range(8):
                mask = qrencoder.QRUtil.getMask(pattern)
                flipped = [bytearray(size) for _ in range(size)]
                for col, row in positions:
                    flipped[row][col] = mask(row, col) != first(row, col)
                changes.append([int.from_bytes(line, "big") for line in flipped])
            self._mask_changes[self.version] = changes
        return self._mask_changes[self.version]


def _lost_points(rows: list[bytes]) -> int:
    """qrencoder.QRUtil.getLostPoint, rule for rule (quirks included), on rows of 0 and 1 bytes."""
    size = len(rows)
    columns = [bytes(column) for column in zip(*rows, strict=True)]
    score = 0
    # Rule 1: each run of 5 or more modules of one colour costs its length minus 2.
    for lines in (rows, columns):
        runs = _RUNS.findall(b"\x02".join(lines))
        score += sum(map(len, runs)) - 2 * len(runs)
    # Rule 2: 3 for each 2×2 block of one colour (overlapping blocks each count).
    bits = [int.from_bytes(row, "big") for row in rows]  # bit 8k: module k from the right
    pairs = int.from_bytes(b"\x01" * (size - 1), "big")  # modules that have a left neighbour
    for upper, lower in zip(bits, bits[1:], strict=False):
        vertical = ~(upper ^ lower)
        score += 3 * (vertical & (vertical >> 8) & ~(upper ^ (upper >> 8)) & pairs).bit_count()
    # Rule 3: 40 per pattern, searched left to right without overlap, never ending on the last
    # module, and in rows only: ReportLab's column search compares tuples to a list, never equal.
    score += 40 * len(_FINDER.findall(b"\x02".join(row[:-1] for row in rows)))
    # Rule 4: 10 per 5 % away from half dark.
    dark = sum(row.count(1) for row in rows)
    return score + 10 * (abs(100 * dark // (size * size) - 50) // 5)


class _Modules(DirectDraw):
    """The dark modules, in module units (the enclosing group scales them)."""

    def __init__(self, modules: list[list[bool]], color):
        self.modules, self.color = modules, color

    def runs(self):
        """(column, row from the bottom, length) of each horizontal run of dark modules."""
        count = len(self.modules)
        for r, row in enumerate(self.modules):
            for run in _DARK_RUNS.finditer(bytes(row)):
                yield run.start(), count - 1 - r, run.end() - run.start()

    def drawDirectly(self, renderer):
        canvas = renderer._canvas
        if isinstance(renderer, renderPDF._PDFRenderer):
            # One filled path of rectangles with integer coordinates, written as is: going through
            # Path formats every number of about 1 800 path operators, the other half of the time.
            canvas.setFillColor(self.color)
            canvas.addLiteral(" ".join(f"{x} {y} {length} 1 re" for x, y, length in self.runs()) + " f")
            return
        # Other renderers (SVG, bitmaps) get the same squares as an ordinary path.
        path = ShapePath(fillColor=self.color, strokeColor=None, strokeWidth=0)
        for x, y, length in self.runs():
            path.moveTo(x, y)
            path.lineTo(x + length, y)
            path.lineTo(x + length, y + 1)
            path.lineTo(x, y + 1)
            path.closePath()
        renderer.drawNode(path)


class _QrWidget(QrCodeWidget):
    """QrCodeWidget with the faster encoder, drawing its dark modules as one path.

    The stock widget adds one validated Rect per run of dark modules (about 300), each drawn with
    its own fill.
    """

    def __init__(self, value: str, **kwargs):
        super().__init__(value, **kwargs)
        qr = _QRCode(self.qrVersion, getattr(qrencoder.QRErrorCorrectLevel, self.barLevel))
        qr.addData(self.value)
        self.__dict__["qr"] = qr

    def draw(self):
        self.qr.make()
        side = min(self.barWidth, self.barHeight)
        box = side / (self.qr.getModuleCount() + 2 * self.barBorder)
        # Centred in the widget's box, inside the quiet zone, as the stock widget places it.
        x = self.x + (self.barWidth - side) / 2 + self.barBorder * box
        y = self.y + (self.barHeight - side) / 2 + self.barBorder * box
        return Group(_Modules(self.qr.modules, self.barFillColor), transform=(box, 0, 0, box, x, y))


def qr_drawing(value: str, size: float = QR_SIZE) -> Drawing:
    """A square Drawing of the QR code of value (level M: a printed page may be creased or stained)."""
    # The renderer sets the drawing's font first, Helvetica by default: listed, though never used.
    drawing = Drawing(size, size, initialFontName=FONT)
    drawing.add(_QrWidget(value, barWidth=size, barHeight=size, barLevel="M"))
    return drawing


# --- Logo ------------------------------------------------------------------------------------------

LOGO_DPI = 300


@functools.lru_cache(maxsize=8)
def _logo_image(png: bytes) -> PDFImageXObject:
    """The logo as a PDF image, built once per logo: decoding and compressing it anew for each
    certificate took 2 ms, and a few logos are printed on thousands of them."""
    with PIL.Image.open(io.BytesIO(png)) as source:
        image = source.convert("RGBA")
    # No larger than it can print at 300 dpi, so that a large upload does not bloat every PDF.
    image.thumbnail((round(LOGO_MAX_WIDTH / inch * LOGO_DPI), round(LOGO_MAX_HEIGHT / inch * LOGO_DPI)))
    # On white, as printed: one image, without the soft mask that transparency needs.
    flat = PIL.Image.new("RGB", image.size, "white")
    flat.paste(image, mask=image.getchannel("A"))
    xobject = PDFImageXObject(None, ImageReader(flat))
    xobject.name = "logo-" + hashlib.sha256(png).hexdigest()[:24]
    return xobject


class _Logo(Flowable):
    """The logo, scaled to fit its box, keeping its proportions."""

    def __init__(self, png: bytes):
        super().__init__()
        self.image = _logo_image(png)
        scale = min(LOGO_MAX_WIDTH / self.image.width, LOGO_MAX_HEIGHT / self.image.height)
        self.width, self.height = self.image.width * scale, self.image.height * scale

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        # What canvas.drawImage does, with the image built beforehand: registered as a named
        # XObject in this document, then drawn in the unit square scaled to the logo's size.
        canvas = self.canv
        if not canvas.hasForm(self.image.name):
            # A copy: the document marks what it registers, and the cached image serves all of them.
            canvas._doc.addForm(self.image.name, copy.copy(self.image))
        canvas.saveState()
        canvas.scale(self.width, self.height)
        canvas.doForm(self.image.name)
        canvas.restoreState()


def letterhead(
    university_name: str, component_name: str, address_lines, logo_png: bytes | None = None
) -> Table:
    """The issuer's block at the top of a document: logo (if any), university, component, address."""
    lines = [f"<b>{escape(university_name)}</b>", f"<b>{escape(component_name)}</b>"]
    lines += [escape(line) for line in address_lines]
    text = Paragraph("<br/>".join(lines), STYLES["body"])
    if logo_png:
        row, widths = [_Logo(logo_png), text], [LOGO_MAX_WIDTH + 8 * mm, None]
    else:
        row, widths = [text], [CONTENT_WIDTH]
    return Table([row], colWidths=widths, style=LETTERHEAD_STYLE, hAlign="LEFT")
