"""The back office's access rules (accounts.staff): who gets in, who may act, which components."""
# ruff: noqa: F811 - the fixture imported from the documents tests is used as a test argument

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from django.utils import translation

from matricule.accounts import staff
from matricule.accounts.models import ComponentMembership
from matricule.documents.models import ReviewClaim
from matricule.institution.models import Component
from matricule.registration.models import Registration
from tests.documents.conftest import registered  # noqa: F401 - fixture

QUEUE = "/gestion/pieces/"
Role = ComponentMembership.Role


@pytest.fixture
def staff_client(client):
    """Sign a staff member in as after both factors: staff_client(user) -> the client."""

    def sign_in(user):
        client.force_login(user)
        staff.mark_verified(client.session)
        return client

    return sign_in


@pytest.fixture
def two_factor(settings):
    settings.MATRICULE_STAFF_REQUIRE_2FA = True


@pytest.fixture
def components(demo):
    return {c.code: c for c in Component.objects.filter(code__in=["iut-chartres", "iut-orleans"])}


@pytest.fixture
def member(django_user_model, components):
    """member(role, *component codes) -> a new user with that role in those components."""

    def make(role, *codes):
        user = django_user_model.objects.create_user(f"{role}.{'-'.join(codes)}", password="x")
        for code in codes:
            ComponentMembership.objects.create(user=user, component=components[code], role=role)
        return user

    return make


def view_for(**options):
    @staff.staff_required(**options)
    def view(request):
        return HttpResponse("ok")

    return view


def request_as(user, method="get", *, verified=True):
    request = getattr(RequestFactory(), method)("/gestion/essai/")
    request.user = user
    request.session = SessionStore()
    if verified and user.is_authenticated:
        staff.mark_verified(request)
    return request


# --- Who gets in ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_sign_in_with_where_they_were_going(client, demo):
    response = client.get(f"{QUEUE}?page=2")
    assert response.status_code == 302
    assert response.url == "/gestion/connexion/?next=/gestion/pieces/%3Fpage%3D2"
    english = client.get("/en/gestion/pieces/")
    assert english.url == "/en/gestion/connexion/?next=/en/gestion/pieces/"


def test_people_who_are_not_staff_get_a_404(client, demo, django_user_model):
    client.force_login(django_user_model.objects.create_user("etudiant"))
    assert client.get(QUEUE).status_code == 404


def test_staff_who_have_not_passed_the_second_factor_are_sent_to_it(client, iut_agent, two_factor):
    client.force_login(iut_agent)
    response = client.get(QUEUE)
    assert response.status_code == 302 and response.url == "/gestion/connexion/code/?next=/gestion/pieces/"


def test_a_verified_session_opens_the_back_office(staff_client, iut_agent, two_factor):
    assert staff_client(iut_agent).get(QUEUE).status_code == 200


def test_a_session_verified_for_someone_else_does_not_count(client, iut_agent, other_agent, two_factor):
    client.force_login(iut_agent)
    session = client.session
    session[staff.VERIFIED_KEY] = {"user": str(other_agent.pk), "method": "totp"}
    session.save()
    assert client.get(QUEUE).url.startswith("/gestion/connexion/code/")


def test_without_the_requirement_a_signed_in_staff_member_gets_in(client, iut_agent, settings):
    settings.MATRICULE_STAFF_REQUIRE_2FA = False
    client.force_login(iut_agent)
    assert client.get(QUEUE).status_code == 200


def test_mark_verified_needs_someone_signed_in():
    with pytest.raises(ValueError):
        staff.mark_verified(SessionStore())


@pytest.mark.parametrize(
    "path",
    [
        "/gestion/pieces/",
        "/gestion/pieces/1/",
        "/gestion/pieces/1/liberer/",
        "/gestion/fichier/1/",
        "/gestion/fichier/1/page/1.png",
    ],
)
def test_the_back_office_views_carry_the_decorator(path):
    with translation.override("fr"):  # French addresses carry no language prefix
        assert getattr(resolve(path).func, "staff_view", False)


# --- What each role may do -----------------------------------------------------------------------


def test_an_auditor_looks_at_a_file_without_claiming_it_and_may_not_decide(
    client, registered, member, staff_client
):
    auditor = member(Role.AUDITOR, "iut-chartres")
    staff_client(auditor)
    page = client.get(f"{QUEUE}{registered.pk}/")
    assert page.status_code == 200
    assert not ReviewClaim.objects.filter(registration=registered).exists()
    submission = registered.submissions.first()
    decide = client.post(f"{QUEUE}{registered.pk}/", {"submission": submission.pk, "decision": "validate"})
    assert decide.status_code == 403
    assert client.post(f"{QUEUE}{registered.pk}/liberer/").status_code == 403
    submission.refresh_from_db()
    assert submission.reviewed_by is None


def test_acting_in_one_component_gives_no_right_to_act_in_another(client, registered, member, staff_client):
    user = member(Role.AUDITOR, "iut-chartres")
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-orleans"), role=Role.AGENT
    )
    staff_client(user)
    assert client.get(f"{QUEUE}{registered.pk}/").status_code == 200
    submission = registered.submissions.first()
    response = client.post(f"{QUEUE}{registered.pk}/", {"submission": submission.pk, "decision": "validate"})
    assert response.status_code == 403


def test_an_agent_of_the_component_claims_and_releases(client, registered, iut_agent, staff_client):
    staff_client(iut_agent)
    assert client.get(f"{QUEUE}{registered.pk}/").status_code == 200
    assert ReviewClaim.objects.get(registration=registered).agent == iut_agent
    assert client.post(f"{QUEUE}{registered.pk}/liberer/").url == QUEUE
    assert not ReviewClaim.objects.filter(registration=registered).exists()


def test_an_agent_of_another_component_gets_404(client, registered, other_agent, staff_client):
    staff_client(other_agent)
    assert client.get(f"{QUEUE}{registered.pk}/").status_code == 404


def test_write_views_are_open_to_auditors_for_reading_only(member):
    auditor = member(Role.AUDITOR, "iut-chartres")
    view = view_for(write=True)
    assert view(request_as(auditor)).status_code == 200
    with pytest.raises(PermissionDenied):
        view(request_as(auditor, "post"))
    assert view(request_as(member(Role.MANAGER, "iut-chartres"), "post")).status_code == 200


def test_administrator_views_are_for_administrators_only(administrator, iut_agent):
    view = view_for(administrator=True)
    assert view(request_as(administrator)).status_code == 200
    with pytest.raises(PermissionDenied):
        view(request_as(iut_agent))


def test_the_decorator_reads_the_memberships_once(
    member, components, django_user_model, django_assert_num_queries
):
    user = django_user_model.objects.get(pk=member(Role.AGENT, "iut-chartres").pk)  # nothing cached
    view = view_for(write=True)
    request = request_as(user, "post")
    with django_assert_num_queries(1):
        assert view(request).status_code == 200
        assert staff.can_act(user, components["iut-chartres"].pk)


def test_roles(member, administrator, components):
    chartres, orleans = components["iut-chartres"].pk, components["iut-orleans"].pk
    agent, manager = member(Role.AGENT, "iut-chartres"), member(Role.MANAGER, "iut-chartres")
    auditor = member(Role.AUDITOR, "iut-chartres", "iut-orleans")

    assert [staff.role_in(u, chartres) for u in (agent, manager, auditor, administrator)] == [
        "agent",
        "manager",
        "auditor",
        "administrator",
    ]
    assert staff.role_in(agent, orleans) is None and staff.role_in(AnonymousUser(), chartres) is None
    # Agents and managers act in their component; auditors read; administrators do everything.
    assert staff.can_act(agent, chartres) and staff.can_act(manager, chartres)
    assert not staff.can_act(agent, orleans) and not staff.can_act(auditor, chartres)
    assert not staff.can_act(auditor) and staff.can_act(administrator, orleans)
    # Only managers (of that component) and administrators say who works there.
    assert staff.can_manage(manager, chartres) and staff.can_manage(administrator, orleans)
    assert not staff.can_manage(manager, orleans) and not staff.can_manage(agent, chartres)
    assert not staff.can_manage(auditor)
    # Scope: what each one sees, and where each one may act.
    assert staff.component_ids(auditor) == {chartres, orleans}
    assert staff.component_ids(auditor, write=True) == set()
    assert staff.component_ids(administrator) is None and staff.component_ids(AnonymousUser()) == set()
    registrations = Registration.objects.all()
    field = "stage__programme__component_id"
    assert f"IN ({chartres})" in str(staff.scope_queryset(registrations, agent, field).query)
    assert staff.scope_queryset(registrations, administrator, field) is registrations
    assert staff.in_scope(auditor, orleans) and not staff.in_scope(auditor, orleans, write=True)
    assert staff.is_staff_member(auditor) and not staff.is_staff_member(AnonymousUser())
