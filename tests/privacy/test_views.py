# ruff: noqa: F811 - fixtures imported from the requests and documents tests are used as arguments
"""The student's page "my data" and the download (privacy/views.py): the student's own export
only, a POST with CSRF, a limit per day said in words, a page that follows the preparation with or
without JavaScript, and a download that is an attachment, never cached, and audited."""

import datetime
import html
import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from matricule.audit.models import Event
from matricule.privacy import data_export
from matricule.privacy.models import DataExport
from tests.registration.conftest import continuing
from tests.requests.conftest import paid, private_media  # noqa: F401


@pytest.fixture
def chloe(paid):
    """Chloé, registered and paid: her user."""
    return paid.student.user


@pytest.fixture
def chloe_client(client, chloe):
    client.force_login(chloe)
    return client


def page_url(language="fr") -> str:
    with translation.override(language):
        return reverse("privacy:my-data")


def download_url(export) -> str:
    return reverse("privacy:download", args=[export.pk])


def ready_export(user, capture) -> DataExport:
    with capture(execute=True):
        export = data_export.request_export(user)
    export.refresh_from_db()
    assert export.state == "ready"
    return export


# --- Who may see what ------------------------------------------------------------------------


def test_the_addresses():
    assert page_url("en") == "/en/student/my-data/"
    # French once the catalogue has it (the path is a translated string, like every student path).
    assert page_url("fr") in ("/etudiant/mes-donnees/", "/student/my-data/")


def test_anonymous_visitors_are_sent_to_sign_in(client, paid, django_capture_on_commit_callbacks):
    export = ready_export(paid.student.user, django_capture_on_commit_callbacks)
    for url in (page_url(), download_url(export)):
        response = client.get(url)
        assert response.status_code == 302 and "?next=" in response["Location"]
    assert client.post(page_url()).status_code == 302
    assert not Event.objects.filter(action="privacy.data_export.downloaded").exists()


def test_staff_find_nothing(staff_client, iut_agent, chloe, django_capture_on_commit_callbacks):
    export = ready_export(chloe, django_capture_on_commit_callbacks)
    browser = staff_client(iut_agent)
    assert browser.get(page_url()).status_code == 404
    assert browser.post(page_url()).status_code == 404
    assert browser.get(download_url(export)).status_code == 404
    assert not DataExport.objects.filter(user=iut_agent).exists()


def test_another_student_never_reaches_an_export_of_someone_else(
    intruder, chloe, django_capture_on_commit_callbacks
):
    export = ready_export(chloe, django_capture_on_commit_callbacks)
    assert intruder.get(download_url(export)).status_code == 404
    page = intruder.get(page_url())
    assert page.status_code == 200  # her own page, without Chloé's export
    assert download_url(export) not in page.content.decode()
    assert page.context["export"] is None
    assert not Event.objects.filter(action="privacy.data_export.downloaded").exists()


# --- The page ---------------------------------------------------------------------------------


def test_the_page_says_what_the_download_holds_and_offers_to_prepare_it(chloe_client):
    response = chloe_client.get(page_url())
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")  # never cached
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "data.json" in html and "summary.html" in html
    assert '<form method="post"' in html and "csrfmiddlewaretoken" in html
    assert gettext("Prepare my data") in html
    assert 'role="status"' in html and "hx-trigger" not in html  # nothing to follow yet
    assert reverse("registration:file-readings") in html


def test_the_page_in_english(chloe_client):
    response = chloe_client.get(page_url("en"))
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in html
    assert "Prepare my data" in html and "What the download holds" in html


def test_asking_queues_the_preparation_and_the_page_follows_it(chloe_client, chloe):
    response = chloe_client.post(page_url())
    assert response.status_code == 302 and response["Location"] == page_url()
    export = DataExport.objects.get(user=chloe)
    assert (export.state, export.language) == ("requested", "fr")
    event = Event.objects.get(action="privacy.data_export.requested")
    assert (event.actor, event.object_id) == (chloe, str(export.pk))

    html = chloe_client.get(page_url()).content.decode()
    # With JavaScript, htmx polls the status part; without it, the page reloads itself.
    assert 'hx-trigger="every 5s"' in html and "?part=status&amp;seen=requested" in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "?manuel=1" in html  # a way to stop it (WCAG 2.2.1)
    assert gettext("Your data is being prepared.") in html
    assert gettext("Try again") not in html  # only once it is late

    stopped = chloe_client.get(page_url() + "?manuel=1").content.decode()
    assert "hx-trigger" not in stopped and "http-equiv" not in stopped
    assert gettext("Refresh") in stopped

    part = chloe_client.get(page_url() + "?part=status&seen=requested")
    assert part.status_code == 200 and "<html" not in part.content.decode()
    assert 'hx-trigger="every 5s"' in part.content.decode()
    assert "hx-swap-oob" not in part.content.decode()  # nothing new to announce


def test_once_ready_the_polling_stops_and_the_change_is_announced_once(chloe_client, chloe):
    chloe_client.post(page_url())
    export = DataExport.objects.get(user=chloe)
    assert data_export.prepare(export.pk) == "ready"
    export.refresh_from_db()
    part = chloe_client.get(page_url() + "?part=status&seen=requested").content.decode()
    assert "hx-trigger" not in part
    assert 'hx-swap-oob="innerHTML"' in part and gettext("Your data is ready to download.") in part
    assert download_url(export) in part
    page = chloe_client.get(page_url()).content.decode()
    assert "http-equiv" not in page and "hx-swap-oob" not in page
    assert download_url(export) in page


def test_a_preparation_whose_task_was_lost_may_be_asked_again(
    chloe_client, chloe, django_capture_on_commit_callbacks
):
    data_export.request_export(chloe, now=timezone.now() - datetime.timedelta(hours=2))
    html = chloe_client.get(page_url()).content.decode()
    assert gettext("Try again") in html and 'hx-trigger="every 5s"' in html
    with django_capture_on_commit_callbacks(execute=True):
        assert chloe_client.post(page_url()).status_code == 302
    assert DataExport.objects.get(user=chloe).state == "ready"


def test_asking_twice_asks_once(chloe_client, chloe):
    chloe_client.post(page_url())
    chloe_client.post(page_url())
    assert DataExport.objects.filter(user=chloe).count() == 1


def test_a_post_needs_the_csrf_token(chloe, paid):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(chloe)
    assert browser.post(page_url()).status_code == 403
    assert not DataExport.objects.exists()
    page = browser.get(page_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post(page_url(), {"csrfmiddlewaretoken": token}).status_code == 302
    assert DataExport.objects.filter(user=chloe).exists()


def test_asking_too_often_is_refused_with_a_clear_message(
    chloe_client, chloe, django_capture_on_commit_callbacks
):
    for _ in range(data_export.MAX_REQUESTS):
        ready_export(chloe, django_capture_on_commit_callbacks)
    kept = DataExport.objects.get(user=chloe)
    response = chloe_client.post(page_url())
    assert response.status_code == 429
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "24" in html and str(data_export.MAX_REQUESTS) in html
    assert gettext("Prepare my data again") not in html  # no button until then
    assert list(DataExport.objects.filter(user=chloe)) == [kept]  # the ready one is kept
    assert download_url(kept) in html


def test_a_failed_preparation_offers_to_try_again(chloe_client, chloe, monkeypatch):
    chloe_client.post(page_url())
    export = DataExport.objects.get(user=chloe)
    monkeypatch.setattr(data_export, "build", lambda export: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        data_export.prepare(export.pk)
    page = html.unescape(chloe_client.get(page_url()).content.decode())  # apostrophes are escaped
    assert gettext("Your data could not be prepared.") in page and gettext("Try again") in page
    assert "ZeroDivisionError" not in page


# --- The download ---------------------------------------------------------------------------


def test_the_download_is_an_attachment_never_cached_and_audited(
    chloe_client, chloe, django_capture_on_commit_callbacks
):
    export = ready_export(chloe, django_capture_on_commit_callbacks)
    response = chloe_client.get(download_url(export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".zip" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert len(body) == export.size
    assert {"data.json", "summary.html"} <= set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    event = Event.objects.get(action="privacy.data_export.downloaded")
    assert (event.actor, event.object_id, event.data["size"]) == (chloe, str(export.pk), export.size)


def test_an_expired_download_is_gone(chloe_client, chloe, django_capture_on_commit_callbacks):
    export = ready_export(chloe, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert chloe_client.get(download_url(export)).status_code == 404
    html = chloe_client.get(page_url()).content.decode()
    assert gettext("Your last download has expired: ask again to get a new one.") in html
    assert download_url(export) not in html


def test_only_get_reaches_the_download(chloe_client, chloe, django_capture_on_commit_callbacks):
    export = ready_export(chloe, django_capture_on_commit_callbacks)
    assert chloe_client.post(download_url(export)).status_code == 405


# --- The links from both student homes --------------------------------------------------------


def test_the_candidates_home_links_to_the_page(client, demo_candidates):
    from matricule.accounts.admission_login import user_for_candidate

    client.force_login(user_for_candidate(demo_candidates["accepted"]))
    assert page_url() in client.get(reverse("registration:home")).content.decode()


def test_the_continuing_students_home_links_to_the_page(client, demo):
    client.force_login(continuing("emma").user)
    response = client.get(reverse("registration:home"))
    assert response.templates[0].name == "registration/student_home.html"
    assert page_url() in response.content.decode()
    assert client.get(page_url()).status_code == 200


def test_the_admin_lists_exports_without_their_files(
    client, administrator, chloe, django_capture_on_commit_callbacks
):
    export = ready_export(chloe, django_capture_on_commit_callbacks)
    client.force_login(administrator)
    listing = client.get("/admin/privacy/dataexport/?q=" + chloe.username)
    assert listing.status_code == 200 and chloe.username in listing.content.decode()
    detail = client.get(f"/admin/privacy/dataexport/{export.pk}/change/").content.decode()
    assert export.file.name not in detail
    assert client.get("/admin/privacy/dataexport/add/").status_code == 403
