"""The back office's access rules (accounts.staff): who gets in, who may act, which components;
the authenticator app's set-up window."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone, translation

from matricule.accounts import staff
from matricule.accounts.models import AccountSecurity, ComponentMembership
from matricule.registration.models import Registration

QUEUE = "/gestion/pieces/"
Role = ComponentMembership.Role


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


# --- The set-up window ---------------------------------------------------------------------------


def test_a_new_role_opens_the_set_up_for_a_few_days(iut_agent, django_user_model):
    security = AccountSecurity.objects.get(user=iut_agent)
    assert security.enrolment_open_until > timezone.now() + datetime.timedelta(hours=71)
    boss = django_user_model.objects.create_superuser(
        username="root", password="x" * 16, email="root@example.org"
    )
    assert staff.enrolment_open(boss)
    student = django_user_model.objects.create_user(username="someone")
    assert not staff.enrolment_open(student)


def test_a_device_cookie_counts_for_the_account_of_the_username_only(iut_agent, other_agent):
    entries = [(other_agent.pk, "theirs"), (iut_agent.pk, "mine")]
    assert staff.sign_in_attempt("Agent.Chartres", "192.0.2.1", entries).device == "mine"
    assert staff.sign_in_attempt("agent.chartres", "192.0.2.1", entries[:1]).device is None
    assert staff.sign_in_attempt("nobody", "192.0.2.1", entries).device is None
    assert staff.sign_in_attempt("agent.chartres", "192.0.2.1").keys == [
        ("staff_pair", "agent.chartres@192.0.2.1"),
        ("staff_username", "agent.chartres"),
    ]
