"""The student's side of supporting documents: upload a document and see where it stands."""

from html import unescape

from matricule.documents.models import Submission

from .conftest import upload_file


def test_student_uploads_and_sees_the_status(client, registered):
    client.force_login(registered.student.user)
    identity = registered.submissions.get(document_type__code="identity")
    response = client.post(
        f"/inscription/{registered.pk}/pieces/{identity.pk}/", {"file": upload_file("carte.png")}, follow=True
    )
    assert response.status_code == 200
    identity.refresh_from_db()
    assert identity.status == Submission.Status.SUBMITTED
    version = identity.versions.get()
    assert version.extension == ".png" and "carte" not in version.file.name
    assert "En attente de vérification" in response.content.decode() or "attente" in response.content.decode()
    own = client.get(f"/inscription/{registered.pk}/pieces/fichier/{version.pk}/")
    assert own.status_code == 200 and own["Content-Disposition"].startswith("attachment")


def test_a_renamed_executable_is_refused_with_a_message(client, registered):
    client.force_login(registered.student.user)
    identity = registered.submissions.get(document_type__code="identity")
    response = client.post(
        f"/inscription/{registered.pk}/pieces/{identity.pk}/",
        {"file": upload_file("carte.pdf", b"MZ\x90\x00" + b"\x00" * 200)},
        follow=True,
    )
    identity.refresh_from_db()
    assert identity.status == Submission.Status.MISSING
    assert "Pièce d'identité" in unescape(response.content.decode())


def test_over_the_versions_cap_the_student_is_told_what_to_do(client, registered, settings):
    settings.MATRICULE_UPLOAD_MAX_VERSIONS = 1
    identity = registered.submissions.get(document_type__code="identity")
    client.force_login(registered.student.user)
    url = f"/inscription/{registered.pk}/pieces/{identity.pk}/"
    client.post(url, {"file": upload_file("carte.png")})
    page = client.post(url, {"file": upload_file("carte.png")}, follow=True)
    text = page.content.decode()
    assert "déjà été envoyée 1 fois" in text and "service de scolarité" in text
    assert identity.versions.count() == 1


def test_a_bomb_is_refused_with_its_reason_and_nothing_is_stored(client, registered, settings):
    from matricule.audit.models import Event

    from . import bombs

    settings.MATRICULE_SANDBOX_MEMORY_MB = 256
    client.force_login(registered.student.user)
    identity = registered.submissions.get(document_type__code="identity")
    response = client.post(
        f"/inscription/{registered.pk}/pieces/{identity.pk}/",
        {"file": upload_file("carte.pdf", bombs.inflation_bomb())},
        follow=True,
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Une fois décompressé, ce PDF contient plus de 256 Mo" in text
    identity.refresh_from_db()
    assert identity.status == Submission.Status.MISSING and not identity.versions.exists()
    assert Event.objects.filter(action="documents.upload_refused", data__code="inflated_too_large").exists()
