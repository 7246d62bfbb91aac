"""What the certificate and the registration summary share, read back with pypdf: each declares
its language, asks viewers to show its title, and embeds its fonts as TrueType."""

import pytest

from matricule.certificates.certificate_pdf import render_certificate
from matricule.certificates.summary import render_summary
from tests.certificates.pdfs import certificate, read, summary

RENDER = {
    "certificate": lambda language: render_certificate(certificate(language=language)),
    "summary": lambda language: render_summary(summary(language=language)),
}


@pytest.mark.parametrize("document", list(RENDER))
@pytest.mark.parametrize(("language", "lang"), [("fr", "fr-FR"), ("en", "en-GB")])
def test_document_language_and_title_shown(document, language, lang):
    reader, _ = read(RENDER[document](language))
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]


@pytest.mark.parametrize("document", list(RENDER))
def test_every_font_is_embedded_truetype(document):
    reader, _ = read(RENDER[document]("fr"))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts, "no font at all"
    for name, font in fonts.items():
        assert font["/Subtype"] == "/TrueType", name
        assert "/FontFile2" in font["/FontDescriptor"], name
