"""The enrolment certificate (certificat de scolarité) as a PDF, built with ReportLab platypus.

Independent of the models: the caller fills a CertificateData. Fonts, styles and layout constants
come from the registration summary, so that both documents look alike and the DejaVu fonts are
registered once. The certificate carries its serial and a QR code of its verification address.
"""

import copy
import datetime
import functools
import hashlib
import io
import itertools
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import PIL.Image
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import DirectDraw, Drawing, Group, Path
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import TopPadder

from matricule.registration.summary_pdf import (
    CONTENT_WIDTH,
    FONT,
    RULE_COLOR,
    STYLES,
    _p,
    _rows,
    build_pdf,
)

QR_SIZE = 32 * mm
LOGO_MAX_WIDTH = 45 * mm
LOGO_MAX_HEIGHT = 22 * mm

# Derived from the summary's styles rather than redefined, so that both documents stay alike.
TITLE_STYLE = ParagraphStyle("certificate-title", parent=STYLES["title"], alignment=TA_CENTER, spaceAfter=4)
YEAR_STYLE = ParagraphStyle("certificate-year", parent=STYLES["subtitle"], alignment=TA_CENTER)
SIGNATURE_STYLE = ParagraphStyle("certificate-signature", parent=STYLES["body"], leftIndent=CONTENT_WIDTH / 2)

LETTERHEAD_STYLE = TableStyle(
    [
        # Otherwise the table sets Helvetica around its cells, and the PDF lists it.
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LINEBELOW", (0, 0), (-1, -1), 0.75, RULE_COLOR),
    ]
)

VERIFICATION_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
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
        path = Path(fillColor=self.color, strokeColor=None, strokeWidth=0)
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


# --- Document --------------------------------------------------------------------------------------


def _letterhead(data: CertificateData) -> Table:
    lines = [f"<b>{escape(data.university_name)}</b>", f"<b>{escape(data.component_name)}</b>"]
    lines += [escape(line) for line in data.component_address_lines]
    text = Paragraph("<br/>".join(lines), STYLES["body"])
    if data.logo_png:
        row, widths = [_Logo(data.logo_png), text], [LOGO_MAX_WIDTH + 8 * mm, None]
    else:
        row, widths = [text], [CONTENT_WIDTH]
    return Table([row], colWidths=widths, style=LETTERHEAD_STYLE, hAlign="LEFT")


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
        _letterhead(data),
        Spacer(0, 16 * mm),
        Paragraph(escape(_("Enrolment certificate")), TITLE_STYLE),
        Paragraph(escape(_("Academic year %(year)s") % {"year": data.academic_year}), YEAR_STYLE),
        Spacer(0, 8 * mm),
        _p(
            _("The undersigned, %(name)s, %(title)s, certifies that the student:")
            % {"name": data.signatory_name, "title": data.signatory_title}
        ),
        Spacer(0, 3 * mm),
        _rows(
            [
                (_("Full name"), full_name),
                (_("Date of birth"), birth_date),
                (_("Student number"), data.student_number),
                (_("INE (national student identifier)"), data.ine or _("Not given")),
                *([(_("Address"), ", ".join(data.address_lines))] if data.address_lines else []),
            ]
        ),
        Spacer(0, 3 * mm),
        _p(
            _("is registered at %(component)s, %(university)s, for the academic year %(year)s, in:")
            % {
                "component": data.component_name,
                "university": data.university_name,
                "year": data.academic_year,
            }
        ),
        Spacer(0, 3 * mm),
        _rows([(_("Diploma"), data.programme_name), (_("Year of study"), data.stage_name)]),
        Spacer(0, 6 * mm),
        _p(_("This certificate is issued for whatever purpose it may lawfully serve.")),
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
    buffer = io.BytesIO()
    with translation.override(data.language):
        full_name = f"{data.last_name} {data.first_names}"
        build_pdf(
            buffer,
            _story(data),
            language=data.language,
            author=data.university_name,
            title=_("Enrolment certificate %(year)s – %(name)s")
            % {"year": data.academic_year, "name": full_name},
            subject=_("Enrolment certificate no. %(serial)s") % {"serial": data.serial},
        )
    return buffer.getvalue()
