"""Component isolation: a client sees the rows of its components only (all of them for a
central system, none without a component); another component's row is a 404, and a student
registered in two components shows only the registration the client may see."""

import pytest

from matricule.api import scope

from .conftest import all_ids, make_registration, new_client
from .endpoints import NAMES, endpoint


@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith("-detail") or n.startswith("document-")])
def test_other_component_object_is_404(as_chartres, orleans, name):
    _name, method, _resource, _access, url, body = endpoint(name, orleans)
    response = as_chartres(method, url, json=body)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["registrations", "students", "payments", "documents", "issued-documents", "requests"]
)
def test_lists_hold_only_the_client_components(as_chartres, chartres, orleans, path):
    ids = all_ids(as_chartres, f"/api/v1/{path}/")
    mine = {
        "registrations": chartres.registration,
        "students": chartres.student,
        "payments": chartres.payment,
        "documents": chartres.document,
        "issued-documents": chartres.issued,
        "requests": chartres.request,
    }[path]
    theirs = {
        "registrations": orleans.registration,
        "students": orleans.student,
        "payments": orleans.payment,
        "documents": orleans.document,
        "issued-documents": orleans.issued,
        "requests": orleans.request,
    }[path]
    assert mine.pk in ids
    assert theirs.pk not in ids


def test_a_client_of_all_components_sees_both(api, chartres, orleans):
    _client, token = new_client("central", all_components=True)
    ids = all_ids(api(token), "/api/v1/registrations/")
    assert {chartres.registration.pk, orleans.registration.pk} <= ids


def test_a_client_of_no_component_sees_nothing(api, chartres, orleans):
    _client, token = new_client("nowhere")
    assert all_ids(api(token), "/api/v1/registrations/") == set()
    assert all_ids(api(token), "/api/v1/students/") == set()


def test_filtering_on_another_component_gives_an_empty_list(as_chartres, orleans):
    response = as_chartres("get", "/api/v1/registrations/?component=iut-orleans")
    assert response.json()["results"] == []


def test_student_shows_only_the_registrations_of_the_client_components(as_chartres, chartres, orleans, year):
    # The same student also registered at Orléans: that registration and its contacts stay hidden.
    elsewhere = make_registration(orleans.stage, year, cleaned={"contacts": {"city": "Orléans"}})
    elsewhere.student_id = chartres.student.pk
    elsewhere.save()
    row = as_chartres("get", f"/api/v1/students/{chartres.student.pk}/").json()
    assert row["registrations"] == [chartres.registration.pk]
    assert row["contacts"]["city"] == "Chartres"


def test_the_components_are_read_once_per_client(
    chartres_client, chartres, orleans, django_assert_num_queries
):
    client, _token = chartres_client
    with django_assert_num_queries(1):
        assert scope.component_ids(client) == {chartres.component.pk}
        assert scope.in_scope(client, chartres.component.pk)
        assert not scope.in_scope(client, orleans.component.pk)


def test_a_central_client_is_in_scope_everywhere(chartres, orleans):
    client, _token = new_client("central", all_components=True)
    assert scope.component_ids(client) is None
    assert scope.in_scope(client, orleans.component.pk)
    assert {chartres.student.pk, orleans.student.pk} <= set(
        scope.students(client).values_list("pk", flat=True)
    )
