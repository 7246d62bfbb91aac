# ruff: noqa: F811 - fixtures imported from the documents tests are used as arguments
"""Once registered, the documents the year's rules require of the student are the ones listed in the
registration summary on her status page (registration, documents and certificates together)."""

from html import unescape

from tests.documents.conftest import private_media, registered  # noqa: F401


def test_the_summary_lists_exactly_the_required_documents(client, registered):
    client.force_login(registered.student.user)
    page = unescape(client.get(f"/inscription/{registered.pk}/").content.decode())
    for name in ("Pièce d'identité", "Avis d'attribution de bourse", "CVEC"):
        assert name in page
