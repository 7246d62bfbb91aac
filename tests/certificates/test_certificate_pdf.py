"""The enrolment certificate PDF, read back: text and metadata (pypdf), and its QR code, decoded
from the rendered page as a phone would (pypdfium2, then zxing-cpp). Its language and fonts:
test_pdf_conventions.py."""

import pypdfium2
import pytest
import zxingcpp

from matricule.certificates.certificate_pdf import render_certificate
from tests.certificates.pdfs import (
    URL,
    assert_one_page_saying,
    certificate,
    logo_png,
    read,
)


def decode_qr_codes(pdf: bytes, dpi: int = 200) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
    finally:
        document.close()
    results = zxingcpp.read_barcodes(image)
    return [result.text for result in results if result.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture(scope="module")
def french_pdf():
    return render_certificate(certificate())


@pytest.fixture(scope="module")
def english_pdf():
    return render_certificate(certificate(language="en"))


@pytest.fixture(scope="module")
def french(french_pdf):
    return read(french_pdf)


@pytest.fixture(scope="module")
def english(english_pdf):
    return read(english_pdf)


def test_french_text(french):
    assert_one_page_saying(
        french,
        [
            "LEFÈVRE Chloé",
            "12 mars 2008",  # Django's French month names
            "22612345",
            "0494004062M",
            "BUT GEII 1re année",
            "BUT Génie électrique et informatique industrielle",
            "Année universitaire 2026-2027",
            "K7QM-2TXP-9HZ3-AB4C",
            URL,
            "Université d'Orléans",
            "IUT de Chartres",
            "28000 Chartres",
            "Marie DURAND",
            "Directrice de l'IUT de Chartres",
            "26 novembre 2026",
        ],
    )


def test_english_text(english):
    assert_one_page_saying(
        english,
        [
            "Enrolment certificate",
            "Academic year 2026-2027",
            "LEFÈVRE Chloé",
            "12 March 2008",
            "22612345",
            "0494004062M",
            "BUT GEII 1re année",
            "Issued in Chartres on 26 November 2026",
            "K7QM-2TXP-9HZ3-AB4C",
            f"Check this certificate at {URL}",
        ],
    )


def test_reading_order_follows_the_page(english):
    _, text = english
    order = [
        "Université d'Orléans",
        "Enrolment certificate",
        "Marie DURAND",
        "LEFÈVRE Chloé",
        "22612345",
        "BUT GEII 1re année",
        "Issued in Chartres",
        "K7QM-2TXP-9HZ3-AB4C",
        "Check this certificate",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_metadata(french, english):
    reader, _ = english
    assert reader.metadata.title == "Enrolment certificate 2026-2027 – LEFÈVRE Chloé"
    assert reader.metadata.author == "Université d'Orléans"
    assert "K7QM-2TXP-9HZ3-AB4C" in reader.metadata.subject
    reader, _ = french
    assert "LEFÈVRE Chloé" in reader.metadata.title
    assert "2026-2027" in reader.metadata.title


@pytest.mark.parametrize("fixture", ["french_pdf", "english_pdf"])
def test_qr_code_decodes_to_the_verification_url(request, fixture):
    assert decode_qr_codes(request.getfixturevalue(fixture)) == [URL]


def test_qr_code_of_a_longer_url_still_decodes():
    url = "https://scolarite.example.univ-orleans.fr/certificats/verifier/" + "Z9" * 20 + "/?lang=en&src=qr"
    assert decode_qr_codes(render_certificate(certificate(verification_url=url))) == [url]


def test_names_beyond_french_keep_their_letters():
    data = certificate(last_name="WIŚNIEWSKA-ȘTEFĂNESCU", first_names="Łucja Hương")
    _, text = read(render_certificate(data))
    assert "WIŚNIEWSKA-ȘTEFĂNESCU Łucja Hương" in text


def test_data_is_not_read_as_markup():
    title = "Directeur des études <b>& de la scolarité</b>"
    _, text = read(render_certificate(certificate(language="en", signatory_title=title)))
    assert title in text


def test_without_ine_or_logo():
    pdf = render_certificate(certificate(language="en", ine="", logo_png=None))
    reader, text = read(pdf)
    assert "Not given" in text
    assert not reader.pages[0].images
    assert decode_qr_codes(pdf) == [URL]


def test_logo_is_embedded_once_on_white(english):
    reader, _ = english
    images = reader.pages[0].images
    assert len(images) == 1
    logo = images[0].image
    # Scaled down to 300 dpi at its printed size (45 mm wide at most), transparency flattened.
    assert logo.mode == "RGB"
    assert logo.width <= 532
    assert logo.getpixel((0, 0)) == (255, 255, 255)


def test_logo_in_several_documents_and_sizes():
    # The prepared image is shared between documents: each must still carry it.
    for size in [(600, 240), (200, 400), (3000, 1000)]:
        png = logo_png(size)
        for _ in range(2):
            reader, _text = read(render_certificate(certificate(logo_png=png)))
            assert len(reader.pages[0].images) == 1


def test_long_values_stay_on_one_page():
    programme = "Master mention Informatique, parcours Intelligence artificielle et science des données " * 2
    reader, text = read(render_certificate(certificate(programme_name=programme.strip())))
    assert len(reader.pages) == 1
    assert "Intelligence artificielle" in text
