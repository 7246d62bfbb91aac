"""The documents the certificate tests render and read back: Chloé's enrolment certificate and
registration summary (the benchmarks of bench/ render them in bulk, with other names), and what
reads a PDF back."""

import dataclasses
import datetime
import io

from PIL import Image, ImageDraw

from matricule.certificates.certificate_pdf import CertificateData
from matricule.certificates.summary import SummaryData

URL = "https://matricule.univ-orleans.fr/verifier/K7QM-2TXP-9HZ3-AB4C/"
DOCUMENTS = [
    "Pièce d'identité",
    "Relevé de notes du baccalauréat",
    "Attestation d'acquittement de la CVEC",
    "Photo d'identité",
]
# Both documents: issued by the IUT de Chartres, for Chloé in her stage.
ISSUER = {
    "university_name": "Université d'Orléans",
    "component_name": "IUT de Chartres",
    "component_address_lines": ["1 place Roger Joly", "28000 Chartres"],
}
STUDENT = {
    "last_name": "LEFÈVRE",
    "first_names": "Chloé",
    "birth_date": datetime.date(2008, 3, 12),
    "student_number": "22612345",
    "ine": "0494004062M",
    "stage_name": "BUT GEII 1re année",
    "programme_name": "BUT Génie électrique et informatique industrielle",
    "academic_year": "2026-2027",
}


def logo_png(size=(600, 240)) -> bytes:
    """A logo with transparency, as an administrator would upload."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, size[0] - 10, size[1] - 10), fill=(0, 80, 160, 255))
    draw.ellipse((40, 40, 200, 200), fill=(255, 200, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


LOGO = logo_png()


def certificate(**changes) -> CertificateData:
    data = CertificateData(
        language="fr",
        **ISSUER,
        logo_png=LOGO,
        signatory_name="Marie DURAND",
        signatory_title="Directrice de l'IUT de Chartres",
        **STUDENT,
        serial="K7QM-2TXP-9HZ3-AB4C",
        verification_url=URL,
        issued_on=datetime.date(2026, 11, 26),
        city="Chartres",
    )
    return dataclasses.replace(data, **changes)


def summary(**changes) -> SummaryData:
    data = SummaryData(
        language="fr",
        **ISSUER,
        component_email="scolarite.iut-chartres@example.org",
        component_phones=["02 37 91 83 00"],
        **STUDENT,
        usual_name=None,
        birth_place="Chartres (28)",
        email="chloe.lefevre@example.org",
        fee_lines=[("Droits d'inscription – BUT", 17500)],
        total_cents=17500,
        payment_text="Payé par carte le 26/11/2026",
        documents=DOCUMENTS,
        issued_at=datetime.datetime(2026, 11, 26, 13, 5, tzinfo=datetime.UTC),
        serial="RS-2026-000123",
    )
    return dataclasses.replace(data, **changes)


# --- Reading a PDF back ---------------------------------------------------------------------------


def read(pdf: bytes):
    """The PDF's reader (pypdf), and the text of all its pages."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def assert_one_page_saying(document, parts) -> None:
    """The document (its reader and text, as `read` gives them) is one page, and says every part."""
    reader, text = document
    assert len(reader.pages) == 1
    assert [part for part in parts if part not in text] == []
