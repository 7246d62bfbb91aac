"""The retention schedule in the back office (`/gestion/conservation/`): administrators only, the
table with each class's delay, end and reason, what is due now and the last run."""

import html

import pytest
from django.urls import reverse

from matricule.privacy import retention


def test_the_address_is_the_back_office_s():
    assert reverse("privacy:retention") == "/gestion/conservation/"


def test_administrators_read_the_table_with_what_is_due_and_the_last_run(staff_client, administrator):
    client = staff_client(administrator)
    page = client.get("/gestion/conservation/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    text = html.unescape(page.content.decode())  # labels with apostrophes are escaped
    assert "Not applied yet." in text or "Pas encore appliqué" in text
    for data_class in retention.CLASSES:
        assert str(data_class.label) in text and data_class.settings[0] in text
    assert 'href="/gestion/conservation/" aria-current="page"' in text  # in the navigation

    retention.apply()
    assert "Not applied yet." not in client.get("/gestion/conservation/").content.decode()


def test_the_page_is_complete_in_english(staff_client, administrator):
    text = staff_client(administrator).get("/en/gestion/conservation/").content.decode()
    assert "Retention schedule" in text and "Registration files of past years" in text
    assert "years after the end of the academic year" in text


@pytest.mark.parametrize("persona", ["iut_agent", "chartres_auditor"])
def test_other_staff_are_refused_and_not_shown_the_link(staff_client, persona, request):
    client = staff_client(request.getfixturevalue(persona))
    assert client.get("/gestion/conservation/").status_code == 403
    assert "/gestion/conservation/" not in client.get("/gestion/").content.decode()


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, demo):
    response = client.get("/gestion/conservation/")
    assert response.status_code == 302 and response.url.startswith("/gestion/connexion/")
