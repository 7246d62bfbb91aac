"""The student's certificate page and PDFs, and the public verification of an issued document."""

import pytest

from matricule.certificates import services
from matricule.certificates.models import IssuedDocument

from .conftest import complete


def test_not_available_before_documents_are_validated(client, registered):
    client.force_login(registered.student.user)
    assert client.get(f"/inscription/{registered.pk}/certificat/").status_code == 409
    assert client.get(f"/inscription/{registered.pk}/certificat-fr.pdf").status_code == 404
    with pytest.raises(services.NotAvailable):
        services.issue_certificate(registered)


def test_issued_once_stored_and_verifiable(client, registered, iut_agent):
    complete(registered, iut_agent)
    client.force_login(registered.student.user)
    page = client.get(f"/inscription/{registered.pk}/certificat/").content.decode()
    # (The summary, issued when the registration was confirmed, is an issued document too.)
    certificates = IssuedDocument.objects.filter(kind="certificate")
    document = certificates.get()
    assert document.serial in page and "LEFÈVRE" in page
    pdf = client.get(f"/inscription/{registered.pk}/certificat-fr.pdf")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert certificates.count() == 1  # generated once, served again
    client.get(f"/inscription/{registered.pk}/certificat-en.pdf")
    assert certificates.filter(language="en").count() == 1

    public = client.__class__()
    result = public.get(f"/verifier/{document.serial}/").content.decode()
    assert "Authentique et valide" in result or "valide" in result
    assert "LEFÈVRE" in result and registered.stage.name in result
    assert registered.student.student_number not in result  # only what is needed to compare
    typed = public.get("/verifier/", {"serial": document.serial.replace("-", "").lower()})
    assert typed.status_code == 302 and typed.url.endswith(f"/verifier/{document.serial}/")


def test_unknown_serial_and_enumeration_are_limited(client, demo, settings):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "verify_address": (3, 600, 600)}
    for _ in range(3):
        assert client.get("/verifier/AAAA-BBBB-CCCC/").status_code == 404
    assert client.get("/verifier/AAAA-BBBB-CCCD/").status_code == 429
