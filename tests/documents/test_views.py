"""The student's side of supporting documents: upload a document and see where it stands."""

from html import unescape

from django.urls import reverse
from django.utils import translation

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


HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


def test_an_upload_sent_by_htmx_is_answered_by_the_documents_page_at_once(client, registered):
    client.force_login(registered.student.user)
    identity = registered.submissions.get(document_type__code="identity")
    url = f"/inscription/{registered.pk}/pieces/{identity.pk}/"
    response = client.post(url, {"file": upload_file("carte.png")}, headers=HTMX)
    assert response.status_code == 200 and "Location" not in response
    assert response["HX-Retarget"] == "body" and response["HX-Reswap"].startswith("innerHTML")
    page = unescape(response.content.decode())
    assert "reçue, en attente de vérification." in page
    assert "data-swap-focus" in page  # step-form.js moves the focus to that message
    # Drawn as the documents page's GET would: the language switch names that page.
    with translation.override("en"):
        english = reverse("documents:list", args=[registered.pk])
    assert f'href="{english}"' in page
    identity.refresh_from_db()
    assert identity.status == Submission.Status.SUBMITTED
    # The message was shown once: the page loaded next has none.
    again = client.get(f"/inscription/{registered.pk}/pieces/")
    assert "reçue, en attente" not in unescape(again.content.decode())
    # Without JavaScript: post, redirect, get, as before; refusals answer the same way.
    plain = client.post(url, {"file": upload_file("carte.png")})
    assert plain.status_code == 302 and plain["Location"] == f"/inscription/{registered.pk}/pieces/"
    refused = client.post(url, {}, headers=HTMX)
    assert refused.status_code == 200
    assert "choisissez un fichier" in unescape(refused.content.decode()).lower()


def test_the_upload_forms_are_sent_by_htmx_and_still_post_without_it(client, registered):
    client.force_login(registered.student.user)
    page = client.get(f"/inscription/{registered.pk}/pieces/").content.decode()
    identity = registered.submissions.get(document_type__code="identity")
    action = f"/inscription/{registered.pk}/pieces/{identity.pk}/"
    assert f'action="{action}"' in page and f'hx-post="{action}"' in page
    assert 'hx-encoding="multipart/form-data"' in page and "step-form.js" in page
