"""The registrations list page: filters by GET parameters, scope, sort links, pages, bounded
queries, the reminder button for those who act, and bad values answered with a message."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matricule.institution.models import Stage
from tests.backoffice.conftest import make_registrations

URL = "/gestion/inscriptions/"


def test_the_address_is_the_one_the_dashboard_links_to():
    assert reverse("backoffice:registrations") == URL


@pytest.fixture
def drafts(demo):
    return make_registrations("GEII-1", 3, "draft", demo.current_year, last_name="BROUILLON")


def test_agent_sees_the_list_with_links_to_the_files_and_the_reminder_button(drafts, iut_agent, staff_client):
    response = staff_client(iut_agent).get(URL, {"progress": "draft"})
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("BROUILLON Test") == 3
    assert reverse("backoffice:student", args=[drafts[0].student_id]) in content
    assert reverse("backoffice:registrations-remind") + "?" in content
    assert 'aria-sort="ascending"' in content  # sorted by name by default
    assert '<th scope="col"' in content and "<caption>" in content


def test_not_started_shows_name_and_parcoursup_number_without_link(
    demo, demo_candidates, iut_agent, staff_client
):
    chloe = demo_candidates["accepted"]
    content = staff_client(iut_agent).get(URL, {"progress": "not_started"}).content.decode()
    assert chloe.last_name in content and chloe.parcoursup_number in content
    assert "/gestion/etudiant/" not in content


def test_auditor_sees_the_list_but_no_reminder_button(drafts, auditor, staff_client):
    response = staff_client(auditor).get(URL, {"progress": "draft"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "BROUILLON" in content
    assert reverse("backoffice:registrations-remind") not in content


def test_another_component_sees_nothing_of_the_iut(drafts, other_agent, staff_client):
    content = staff_client(other_agent).get(URL).content.decode()
    assert "BROUILLON" not in content


@pytest.mark.parametrize(
    "params",
    [{"year": "1999-2000"}, {"progress": "finished"}, {"component": "abc"}, {"stage": "9999999"}],
)
def test_bad_values_get_a_message_not_a_500(drafts, iut_agent, staff_client, params):
    response = staff_client(iut_agent).get(URL, params)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'class="error-summary"' in content and "BROUILLON" not in content


def test_sort_links_and_aria_sort(drafts, demo, iut_agent, staff_client):
    make_registrations("GEA-1", 1, "draft", demo.current_year, last_name="AAA")
    client = staff_client(iut_agent)
    content = client.get(URL, {"progress": "draft", "sort": "-name"}).content.decode()
    assert 'aria-sort="descending"' in content
    assert content.index("BROUILLON") < content.index("AAA Test")
    # The current column's link sorts the other way; the others sort ascending.
    assert "sort=name" in content and "sort=stage" in content
    content = client.get(URL, {"progress": "draft", "sort": "stage"}).content.decode()
    assert content.index("AAA Test") < content.index("BROUILLON")  # BUT1 GEA before BUT1 GEII


def test_pages_of_fifty(demo, iut_agent, staff_client):
    make_registrations("GEII-1", 120, "submitted", demo.current_year, last_name="NOMBREUX")
    client = staff_client(iut_agent)
    first = client.get(URL, {"progress": "submitted"}).content.decode()
    assert first.count("NOMBREUX Test") == 50
    assert "page=2" in first and 'rel="next"' in first
    last = client.get(URL, {"progress": "submitted", "page": "3"}).content.decode()
    assert last.count("NOMBREUX Test") == 20
    # A page out of range or not a number gives a page, not an error.
    assert client.get(URL, {"progress": "submitted", "page": "zz"}).status_code == 200


def test_queries_do_not_grow_with_the_rows(demo, iut_agent, staff_client, django_assert_max_num_queries):
    client = staff_client(iut_agent)
    stage = Stage.objects.get(code="GEII-1")
    make_registrations("GEII-1", 2, "registered", demo.current_year, last_name="PEU")
    client.get(URL)  # the session and reference data warm
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"stage": stage.pk})
    make_registrations("GEII-1", 60, "registered", demo.current_year, last_name="BEAUCOUP")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"stage": stage.pk})
    assert response.content.decode().count("Test</a>") == 50
    assert len(many) == len(few)
    with django_assert_max_num_queries(20):
        client.get(URL, {"stage": stage.pk, "progress": "documents_missing"})
