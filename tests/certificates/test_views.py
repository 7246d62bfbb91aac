import pytest

from matricule.certificates import services
from matricule.certificates.models import IssuedDocument
from matricule.documents import services as documents
from tests.documents.conftest import png_bytes, upload_file


def complete(registration, agent):
    for submission in registration.submissions.all():
        documents.upload(submission, upload_file(content=png_bytes()), actor=registration.student.user)
        documents.decide(submission, agent=agent, validate=True)


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


def test_changed_data_issues_a_new_serial_and_revokes_the_old(registered, iut_agent):
    complete(registered, iut_agent)
    first = services.issue_certificate(registered)
    registered.cleaned["ine"]["ine"] = "0494004062M"
    registered.cleaned["ine"]["has_ine"] = "yes"
    registered.save()
    registered.student.user.refresh_from_db()
    second = services.issue_certificate(registered)
    if second.pk != first.pk:
        first.refresh_from_db()
        assert first.status == "revoked" and second.status == "valid"


def test_cancelling_the_registration_revokes_its_documents(
    client, registered, iut_agent, django_capture_on_commit_callbacks
):
    from matricule.registration.services import cancel_registration

    complete(registered, iut_agent)
    document = services.issue_certificate(registered)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(registered, actor=iut_agent, reason="Désistement")
    document.refresh_from_db()
    assert document.status == "revoked"
    assert "révoqué" in client.get(f"/verifier/{document.serial}/").content.decode().lower()


def test_unknown_serial_and_enumeration_are_limited(client, demo, settings):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "verify_address": (3, 600, 600)}
    for _ in range(3):
        assert client.get("/verifier/AAAA-BBBB-CCCC/").status_code == 404
    assert client.get("/verifier/AAAA-BBBB-CCCD/").status_code == 429


def test_serials_are_not_guessable():
    serials = {services.new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    assert all(len(s) == 14 and s[4] == "-" for s in serials)


def test_with_a_signing_key_the_certificate_is_signed_and_verifies(
    registered, iut_agent, settings, tmp_path, capsys
):
    from django.core.management import call_command

    from matricule.certificates.signing import verify_pdf

    call_command("make_signing_key", str(tmp_path / "signing"))
    assert "MATRICULE_SIGNING_KEY=" in capsys.readouterr().out
    settings.MATRICULE_SIGNING_KEY = str(tmp_path / "signing" / "signing-key.pem")
    settings.MATRICULE_SIGNING_CERT = str(tmp_path / "signing" / "signing-cert.pem")
    complete(registered, iut_agent)
    document = services.issue_certificate(registered)
    assert document.signed
    with document.file.open("rb") as handle:
        result = verify_pdf(handle.read(), (tmp_path / "signing" / "signing-cert.pem").read_bytes())
    assert result.intact and result.valid


def test_staff_generate_a_stages_certificates_in_bulk_with_progress(
    client, registered, iut_agent, administrator, settings, django_capture_on_commit_callbacks
):
    from matricule.certificates.models import BulkGeneration

    complete(registered, iut_agent)
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/certificates/bulkgeneration/add/",
            {"stage": registered.stage.pk, "academic_year": registered.academic_year.pk},
        )
    assert response.status_code == 302
    job = BulkGeneration.objects.get()
    assert (job.status, job.total, job.done, job.requested_by) == ("done", 1, 1, administrator)
    assert set(IssuedDocument.objects.filter(kind="certificate").values_list("language", flat=True)) == {
        "fr",
        "en",
    }
    listing = client.get("/admin/certificates/bulkgeneration/").content.decode()
    assert registered.stage.name in listing
