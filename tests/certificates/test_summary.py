"""The registration summary PDF, read back with pypdf: text and metadata (its language and fonts:
test_pdf_conventions.py)."""

import pytest
from reportlab.pdfbase import pdfmetrics

from matricule.certificates.rendering import FONT, FONT_BOLD
from matricule.certificates.summary import SummaryData, render_summary
from tests.certificates.pdfs import (
    DOCUMENTS,
    assert_one_page_saying,
    summary,
)
from tests.certificates.pdfs import read as read_pdf


def read(data: SummaryData):
    return read_pdf(render_summary(data))


@pytest.fixture(scope="module")
def french():
    return read(summary())


@pytest.fixture(scope="module")
def english():
    return read(summary(language="en", payment_text="Paid by card on 26/11/2026"))


def test_french_text(french):
    assert_one_page_saying(
        french,
        [
            "LEFÈVRE Chloé",
            "22612345",
            "0494004062M",
            "BUT GEII 1re année",
            "BUT Génie électrique et informatique industrielle",
            "175,00 €",
            "Payé par carte le 26/11/2026",
            "12 mars 2008",  # Django's own French month names
            "Université d'Orléans",
            "RS-2026-000123",
            *DOCUMENTS,
        ],
    )


def test_english_text(english):
    assert_one_page_saying(
        english,
        [
            "Registration summary",
            "LEFÈVRE Chloé",
            "22612345",
            "0494004062M",
            "€175.00",
            "12 March 2008",
            *DOCUMENTS,
        ],
    )


def test_reading_order_follows_the_page(english):
    _, text = english
    order = [
        "Registration summary",
        "IUT de Chartres",
        "LEFÈVRE Chloé",
        "BUT GEII",
        "€175.00",
        "Paid by card",
        DOCUMENTS[0],
        DOCUMENTS[-1],
        "RS-2026-000123",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_metadata(french):
    reader, _ = french
    assert "LEFÈVRE Chloé" in reader.metadata.title
    assert "2026-2027" in reader.metadata.title
    assert reader.metadata.author == "Université d'Orléans"


def test_ine_to_verify_and_usual_name_shown(english):
    _, text = read(summary(language="en", ine="123456789AB", ine_to_verify=True, usual_name="MARTIN"))
    assert "123456789AB (to be verified by the registrar)" in text
    assert "MARTIN" in text


def test_without_ine_serial_or_documents():
    reader, text = read(summary(language="en", ine=None, serial=None, documents=[]))
    assert len(reader.pages) == 1
    assert "Not given" in text
    assert "No document to upload." in text


def test_names_beyond_french_keep_their_letters():
    name = "ȘTEFĂNESCU Łucja Hương Dvořák"
    _, text = read(summary(last_name="ȘTEFĂNESCU", first_names="Łucja Hương Dvořák"))
    assert name in text
    # The text layer would show the letters even if the font drew empty boxes: ask the font too.
    for font in (FONT, FONT_BOLD):
        missing = [c for c in name if ord(c) not in pdfmetrics.getFont(font).face.charToGlyph]
        assert not missing, (font, missing)


def test_data_is_not_read_as_markup():
    _, text = read(summary(documents=["<b>Attestation</b> & justificatif <br/>"]))
    assert "<b>Attestation</b> & justificatif <br/>" in text


def test_long_values_wrap_instead_of_overflowing():
    programme = "Master mention Informatique, parcours Intelligence artificielle et science des données " * 2
    _, text = read(summary(programme_name=programme.strip()))
    assert "Intelligence artificielle" in text


def test_a_long_documents_list_goes_on_a_second_page():
    documents = [f"Justificatif numéro {n} : attestation à fournir" for n in range(1, 46)]
    reader, text = read(summary(documents=documents))
    assert len(reader.pages) == 2
    assert documents[-1] in text
    assert "22612345" in reader.pages[1].extract_text()  # each page names its student
