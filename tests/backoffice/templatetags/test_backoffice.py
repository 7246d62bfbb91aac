"""The back-office layout's template tags (`templatetags/backoffice.py`): the navigation links,
the staff member's identity, an audit event's data."""

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from matricule.backoffice.templatetags.backoffice import event_data, localized_path, staff_identity


def test_nav_shows_audit_only_to_those_who_may_read_it(events, auditor, iut_agent, staff_client):
    assert 'href="/gestion/audit/"' in staff_client(auditor).get("/gestion/").content.decode()
    assert 'href="/gestion/audit/"' not in staff_client(iut_agent).get("/gestion/").content.decode()


def test_the_page_in_english_keeps_english_links(dataset, iut_agent, staff_client):
    html = staff_client(iut_agent).get("/en/gestion/").content.decode()
    assert "<h1>Dashboard" in html
    assert 'href="/en/gestion/pieces/"' in html
    assert 'href="/en/gestion/" aria-current="page"' in html


def render(source: str, **context) -> str:
    return Template("{% load backoffice %}" + source).render(Context(context))


def test_a_nav_link_marks_the_page_under_its_path_as_current():
    request = RequestFactory().get("/gestion/pieces/12/")
    assert (
        render('{% nav_link "/gestion/pieces/" "Pièces" %}', request=request)
        == '<a href="/gestion/pieces/" aria-current="page">Pièces</a>'
    )
    assert (
        render('{% nav_link "/gestion/" "Tableau de bord" exact=True %}', request=request)
        == '<a href="/gestion/">Tableau de bord</a>'
    )
    # Without a request, no current page; a label from a variable is escaped.
    assert render('{% nav_link "/gestion/" label %}', label="<Accueil>") == (
        '<a href="/gestion/">&lt;Accueil&gt;</a>'
    )


def test_back_office_paths_are_prefixed_in_another_language():
    assert localized_path("/gestion/audit/") == "/gestion/audit/"
    with translation.override("en"):
        assert localized_path("/gestion/audit/") == "/en/gestion/audit/"
        request = RequestFactory().get("/en/gestion/audit/")
        assert 'href="/en/gestion/audit/" aria-current' in render(
            '{% nav_link "/gestion/audit/" "Audit" %}', request=request
        )


def test_the_staff_identity_names_the_person_their_components_and_rights(auditor, administrator, iut_agent):
    def identity(user):
        request = RequestFactory().get("/gestion/")
        request.user = user
        return staff_identity(Context({"request": request}))

    me = identity(auditor)
    assert (me["name"], me["administrator"], me["audit"]) == ("Alice Auditrice", False, True)
    assert [(m.component.code, m.role) for m in me["memberships"]] == [("iut-chartres", "auditor")]
    admin = identity(administrator)
    assert (admin["administrator"], admin["memberships"], admin["audit"]) == (True, [], True)
    assert identity(iut_agent)["audit"] is False
    assert identity(AnonymousUser()) == {}
    assert staff_identity(Context({})) == {}


def test_an_events_data_as_sorted_pairs_of_text():
    data = {"reason": "Accord Erasmus+", "amount_cents": 17800, "changes": {"to": "é", "from": [1, None]}}
    with translation.override("fr"):
        pairs = event_data(data)
    assert pairs == [
        ("amount_cents", "178\u00a0€"),  # amounts in euros, not cents
        ("changes", '{"from": [1, null], "to": "é"}'),
        ("reason", "Accord Erasmus+"),
    ]
    assert event_data([1, "é"]) == [("", '[1, "é"]')]
    assert event_data(None) == [] and event_data({}) == []
