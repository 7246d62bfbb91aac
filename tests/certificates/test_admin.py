"""The certificates admin: staff ask for a stage's certificates in bulk and follow the progress."""

from matricule.certificates.models import IssuedDocument

from .conftest import complete


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
