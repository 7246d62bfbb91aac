"""The endpoints: lists and details read only (405 to a write), ids that are numbers; a
document's file downloaded (from the year it was sent when carried over, the latest version);
decisions on documents through the document services, audited with the client; the import
bodies checked; a page read in a constant number of queries; the docs page under the CSP."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matricule.audit.models import Event
from matricule.documents.models import RefusalReason, Submission, Version

from .conftest import PHOTO, candidate, make_registration, make_rows


def test_a_document_file_is_downloaded(as_chartres, chartres):
    response = as_chartres("get", f"/api/v1/documents/{chartres.document.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PHOTO
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Document-Status"] == "submitted"
    assert "attachment" in response["Content-Disposition"]


def test_a_carried_over_photo_is_downloaded_from_the_year_it_was_sent(as_chartres, chartres, year):
    Submission.objects.filter(pk=chartres.document.pk).update(status="validated")
    later = make_registration(chartres.stage, year)
    carried = Submission.objects.create(
        registration=later,
        document_type=chartres.document.document_type,
        status="validated",
        carried_from=chartres.document,
    )
    row = as_chartres("get", f"/api/v1/documents/{carried.pk}/").json()
    assert (row["carried_from"], row["latest_version"]) == (chartres.document.pk, None)
    response = as_chartres("get", f"/api/v1/documents/{carried.pk}/file/")
    assert b"".join(response.streaming_content) == PHOTO


def test_a_document_without_a_file_has_no_download(as_chartres, chartres, year):
    missing = Submission.objects.create(
        registration=make_registration(chartres.stage, year),
        document_type=chartres.document.document_type,
    )
    assert as_chartres("get", f"/api/v1/documents/{missing.pk}/").json()["download"] is None
    assert as_chartres("get", f"/api/v1/documents/{missing.pk}/file/").status_code == 404


def test_the_latest_version_is_the_one_served(as_chartres, chartres):
    newer = Version(
        submission=chartres.document, extension=".png", content_type="image/png", size=3, sha256="1" * 64
    )
    newer.file.save("new.png", ContentFile(b"png"), save=True)
    response = as_chartres("get", f"/api/v1/documents/{chartres.document.pk}/file/")
    assert b"".join(response.streaming_content) == b"png"


def test_an_id_that_is_not_a_number_is_404(as_chartres, chartres):
    assert as_chartres("get", "/api/v1/registrations/abc/").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_reads_cannot_be_written(as_chartres, chartres, method):
    response = as_chartres(method, f"/api/v1/registrations/{chartres.registration.pk}/", json={})
    assert response.status_code == 405


# --- decisions on documents ---------------------------------------------------------------------


def test_validating_a_document(as_chartres, chartres, chartres_client, outbox):
    client, _token = chartres_client
    url = f"/api/v1/documents/{chartres.document.pk}/decision/"
    response = as_chartres("post", url, json={"decision": "validate", "valid_until": "2030-01-01"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "validated"
    document = Submission.objects.get(pk=chartres.document.pk)
    assert document.status == "validated"
    assert document.reviewed_by == client.user
    assert str(document.valid_until) == "2030-01-01"
    assert Event.objects.get(action="documents.validated", object_id=str(document.pk)).actor == client.user
    event = Event.objects.get(action="api.document_decided")
    assert (event.actor, event.data["api_client"], event.data["decision"]) == (
        client.user,
        client.pk,
        "validate",
    )
    # Decided once: a second decision is a conflict.
    assert as_chartres("post", url, json={"decision": "refuse", "comment": "x"}).status_code == 409


def test_refusing_a_document_needs_a_reason_or_a_comment(as_chartres, chartres):
    url = f"/api/v1/documents/{chartres.document.pk}/decision/"
    assert as_chartres("post", url, json={"decision": "refuse"}).status_code == 400
    assert as_chartres("post", url, json={"decision": "refuse", "reason": 999999}).status_code == 400
    assert as_chartres("post", url, json={"decision": "maybe"}).status_code == 400
    assert Submission.objects.get(pk=chartres.document.pk).status == "submitted"
    reason = RefusalReason.objects.first()
    response = as_chartres("post", url, json={"decision": "refuse", "reason": reason.pk, "comment": "Floue"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["comment"]) == ("refused", "Floue")
    assert Event.objects.filter(action="documents.refused").count() == 1


# --- imports and lists -------------------------------------------------------------------------


def test_import_bodies_are_checked(as_chartres, year):
    assert as_chartres("post", "/api/v1/candidates/import/", json={"candidates": "x"}).status_code == 400
    assert as_chartres("post", "/api/v1/candidates/import/", json={}).status_code == 400
    too_many = {"candidates": [{}] * 5001}
    assert as_chartres("post", "/api/v1/candidates/import/", json=too_many).status_code == 400
    unknown_year = {"academic_year": "1990-1991", "candidates": [candidate("1")]}
    assert as_chartres("post", "/api/v1/candidates/import/", json=unknown_year).status_code == 400
    named = {"academic_year": year.code, "candidates": [candidate("9000020")]}
    assert as_chartres("post", "/api/v1/candidates/import/", json=named).json()["created"] == 1


@pytest.mark.parametrize(
    "path", ["registrations", "students", "payments", "documents", "issued-documents", "requests"]
)
def test_a_page_costs_the_same_queries_whatever_its_size(as_chartres, chartres, year, path):
    def queries(size):
        with CaptureQueriesContext(connection) as context:
            assert as_chartres("get", f"/api/v1/{path}/?page_size={size}").status_code == 200
        return len(context)

    for _n in range(6):
        make_rows("iut-chartres", year)
    queries(1)  # the first call of the minute records the client's last use
    assert queries(2) == queries(8)


# --- documentation ------------------------------------------------------------------------------


def test_docs_page_works_under_the_csp(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script" not in page
    assert "/api/v1/documents/{id}/decision/" in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
