"""What the apps above registration add to the student's registration page
(matricule.registration.pages)."""

from matricule.registration import pages
from matricule.registration.models import State
from tests.registration.conftest import start


def test_the_context_merges_what_each_app_added_once(monkeypatch):
    monkeypatch.setattr(pages, "_status_context", [])

    def documents(registration):
        return {"documents_complete": registration == "complete"}

    def summary(registration):
        return {"summary": f"summary of {registration}"}

    pages.add_status_context(documents)
    pages.add_status_context(summary)
    pages.add_status_context(documents)  # an app's ready() run twice adds nothing

    assert pages._status_context == [documents, summary]
    assert pages.status_context("complete") == {"documents_complete": True, "summary": "summary of complete"}


def test_documents_and_certificates_add_theirs_at_start_up(chloe_client):
    registration = start(chloe_client)

    context = pages.status_context(registration)

    assert registration.state == State.DRAFT
    assert context == {"documents_complete": False, "summary": None}  # nothing issued before registered
