# ruff: noqa: F811 - fixtures imported from the documents tests are used as arguments
"""Cancelling a registration revokes the official documents issued for it: the public verification
page then says so (registration and certificates together)."""

from matricule.certificates import services
from tests.certificates.conftest import complete
from tests.documents.conftest import private_media, registered  # noqa: F401


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
