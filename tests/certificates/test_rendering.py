"""The shared rendering of official PDFs: amounts as each language writes them, and the QR code."""

import random
import string

import pytest
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode import qrencoder

from matricule.certificates.rendering import _QRCode, format_amount, qr_drawing
from tests.certificates.pdfs import URL


@pytest.mark.parametrize(
    ("cents", "language", "expected"),
    [
        (17500, "fr", "175,00 €"),
        (277000, "fr", "2 770,00 €"),
        (5, "fr", "0,05 €"),
        (-11600, "fr", "-116,00 €"),
        (17500, "en", "€175.00"),
        (277000, "en", "€2,770.00"),
        (-11600, "en", "-€116.00"),
    ],
)
def test_format_amount(cents, language, expected):
    assert format_amount(cents, language) == expected


def test_qr_encoder_gives_the_same_symbol_as_reportlab():
    # The faster encoder must not change a module: compared with the stock one over many lengths,
    # character sets and error correction levels (versions 1 to about 15).
    rnd = random.Random(7)
    alphabets = [
        string.ascii_letters + string.digits + "-/._?=&",  # byte mode
        string.ascii_uppercase + string.digits + " $%*+-./:",  # alphanumeric mode
    ]
    versions = set()
    for n in range(60):
        value = "".join(rnd.choice(alphabets[n % 2]) for _ in range(rnd.randint(1, 200)))
        level = getattr(qrencoder.QRErrorCorrectLevel, "LMQH"[n % 4])
        stock, fast = qrencoder.QRCode(None, level), _QRCode(None, level)
        for qr in (stock, fast):
            qr.addData(value)
            qr.make()
        assert fast.modules == stock.modules, (value, level)
        versions.add(stock.version)
    assert len(versions) > 8


def test_qr_drawing_renders_outside_pdf_too():
    svg = renderSVG.drawToString(qr_drawing(URL))
    assert "<path" in svg
