# ruff: noqa: F811 - fixtures imported from the documents tests are used as arguments
"""Request bodies larger than the page accepts are refused before anything reads them, with a
page saying the limit; the pages that take files accept their files' limit plus the form."""

import pytest
from django.urls import reverse
from django.utils import translation

from matricule.bodylimit import FORM_MARGIN, view_limit
from matricule.documents.models import Version
from tests.documents.conftest import png_bytes, private_media, registered, upload_file  # noqa: F401

MB = 1024 * 1024


@pytest.mark.django_db
def test_a_body_over_the_general_limit_is_refused_before_the_view_reads_it(client, settings):
    too_large = str(settings.MATRICULE_REQUEST_MAX_BYTES + 1)
    response = client.post(reverse("accounts:admission-login"), {"number": "1"}, CONTENT_LENGTH=too_large)
    assert response.status_code == 413
    page = response.content.decode()
    assert "3 Mo au maximum" in page and "rien n'a été enregistré" in page


@pytest.mark.django_db
def test_a_body_within_the_general_limit_reaches_the_view(client):
    response = client.post(reverse("accounts:admission-login"), {"number": "1"})
    assert response.status_code != 413


@pytest.mark.django_db
def test_the_document_upload_takes_one_file_at_its_limit_and_no_more(client, registered, settings):
    submission = registered.submissions.first()
    url = reverse("documents:upload", args=[registered.pk, submission.pk])
    client.force_login(registered.student.user)
    limit = settings.MATRICULE_UPLOAD_MAX_BYTES + FORM_MARGIN
    refused = client.post(url, {"file": upload_file()}, CONTENT_LENGTH=str(limit + 1))
    assert refused.status_code == 413
    assert "10 Mo au maximum" in refused.content.decode()
    assert not Version.objects.filter(submission=submission).exists()
    # A file a little over the files' limit but within the page's: read, then refused by the check.
    big = png_bytes() + b"\0" * (settings.MATRICULE_UPLOAD_MAX_BYTES)
    response = client.post(url, {"file": upload_file(content=big)}, follow=True)
    assert response.status_code == 200
    assert not Version.objects.filter(submission=submission).exists()
    accepted = client.post(url, {"file": upload_file()})
    assert accepted.status_code == 302
    assert Version.objects.filter(submission=submission).count() == 1


@pytest.mark.django_db
def test_page_limits_follow_the_settings(rf, settings, registered):
    settings.MATRICULE_UPLOAD_MAX_BYTES = 4 * MB
    translation.activate(settings.LANGUAGE_CODE)  # as LocaleMiddleware does before the limit is read
    upload = rf.post(reverse("documents:upload", args=[registered.pk, 1]))
    assert view_limit(upload) == 4 * MB + FORM_MARGIN
    attach = rf.post(reverse("requests:attach", args=[registered.pk, 1]))
    assert view_limit(attach) == 5 * 4 * MB + FORM_MARGIN
    from matricule.admissions.forms import MAX_UPLOAD_BYTES

    for name in ("admin:admissions_importrun_upload", "admin:admissions_importrun_upload_results"):
        assert view_limit(rf.post(reverse(name))) == MAX_UPLOAD_BYTES + FORM_MARGIN
    assert view_limit(rf.post("/no/such/page/")) == settings.MATRICULE_REQUEST_MAX_BYTES
    assert view_limit(rf.post(reverse("accounts:admission-login"))) == settings.MATRICULE_REQUEST_MAX_BYTES
