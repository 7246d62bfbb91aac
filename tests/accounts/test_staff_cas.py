"""Staff sign-in with the university's CAS: the full round trip against a local CAS server
(tests/accounts/fake_cas.py), django-cas-ng validating tickets over real HTTP."""

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps

from matricule.accounts import staff, staff_cas
from matricule.audit.models import Event
from tests.accounts.fake_cas import FakeCasServer

pytestmark = pytest.mark.skipif(
    not apps.is_installed("django_cas_ng"),
    reason="CAS needs 'django_cas_ng' in INSTALLED_APPS (see the staff sign-in report, issue 9)",
)

CAS_LOGIN = "/gestion/connexion/cas/"
QUEUE = "/gestion/pieces/"


@pytest.fixture
def fake_cas():
    server = FakeCasServer().start()
    yield server
    server.stop()


@pytest.fixture
def cas(settings, fake_cas):
    """CAS configured as in production, against the fake server; second factor required."""
    settings.CAS_SERVER_URL = fake_cas.url
    settings.CAS_VERSION = "3"
    settings.CAS_CREATE_USER = False
    settings.CAS_LOGIN_MSG = None
    settings.CAS_LOGGED_MSG = None
    settings.CAS_SESSION_FACTORY = staff_cas.http_session
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "matricule.accounts.staff_cas.StaffCASBackend",
    ]
    settings.MATRICULE_STAFF_REQUIRE_2FA = True
    return fake_cas


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser_at_cas(url: str) -> str:
    """What the browser does at the CAS server: GET the address, return where it is sent back."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=5)
    except urllib.error.HTTPError as error:
        assert error.code == 302, error.read()
        return error.headers["Location"]
    raise AssertionError("the CAS server did not redirect")


def cas_round_trip(client, cas, username, next_url=QUEUE):
    """Start at our CAS button, sign in at CAS as `username`, come back with the ticket."""
    cas.next_user = username
    start = client.get(f"{CAS_LOGIN}?next={next_url}")
    assert start.status_code == 302 and start.url.startswith(f"{cas.url}login?service=")
    back = browser_at_cas(start.url)
    assert back.startswith(f"http://testserver{CAS_LOGIN}?next=") and "ticket=ST-" in back
    return client.get(back), back


def test_cas_is_off_without_a_server(client, demo, settings):
    settings.CAS_SERVER_URL = ""
    assert client.get(CAS_LOGIN).status_code == 404
    assert CAS_LOGIN not in client.get("/gestion/connexion/").content.decode()


def test_the_sign_in_page_offers_cas_when_configured(client, demo, cas):
    html = client.get("/gestion/connexion/?next=/gestion/pieces/").content.decode()
    assert f'href="{CAS_LOGIN}?next=/gestion/pieces/"' in html
    assert "Se connecter avec l'authentification unique de l'université" in html


def test_a_staff_member_signs_in_with_cas_and_counts_as_verified(client, iut_agent, cas):
    response, back = cas_round_trip(client, cas, "agent.chartres")
    assert response.status_code == 302 and response.url == QUEUE
    assert client.session.get("_auth_user_id") == str(iut_agent.pk)
    assert client.session[staff.VERIFIED_KEY]["method"] == "cas"
    assert client.get(QUEUE).status_code == 200  # no code asked: the university's SSO did its own
    # The ticket was validated over HTTP, for the very service address it was issued for.
    (validation,) = cas.validations()
    assert validation["ticket"] == parse_qs(urlsplit(back).query)["ticket"][0]
    assert validation["service"] == back.split("&ticket=")[0]
    event = Event.objects.get(action="accounts.staff_login")
    assert event.actor == iut_agent and event.data == {"method": "cas"}
    assert "matricule_device" in client.cookies  # a known computer for the password sign-in too


def test_a_ticket_is_good_once(client, iut_agent, cas):
    _, back = cas_round_trip(client, cas, "agent.chartres")
    replay = type(client)().get(back)
    assert replay.status_code == 403
    assert "Connexion refusée" in replay.content.decode()
    assert Event.objects.get(action="accounts.staff_login_failed").data["reason"] == "invalid_ticket"


def test_a_ticket_issued_for_another_address_is_refused(client, iut_agent, cas):
    cas.next_user = "agent.chartres"
    start = client.get(f"{CAS_LOGIN}?next=/gestion/pieces/")
    back = browser_at_cas(start.url)
    ticket = parse_qs(urlsplit(back).query)["ticket"][0]
    response = client.get(f"{CAS_LOGIN}?next=/gestion/fichier/1/&ticket={ticket}")
    assert response.status_code == 403 and client.session.get("_auth_user_id") is None


def test_cas_never_creates_anyone(client, demo, cas, django_user_model):
    users = django_user_model.objects.count()
    response, _ = cas_round_trip(client, cas, "inconnu.dupont")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Votre compte de l'université (inconnu.dupont) n'a pas accès à la gestion" in html
    assert django_user_model.objects.count() == users
    assert client.session.get("_auth_user_id") is None
    event = Event.objects.get(action="accounts.staff_login_failed")
    assert event.data == {"method": "cas", "reason": "unknown_user", "username": "inconnu.dupont"}


def test_a_known_person_who_is_not_staff_is_refused(client, demo, cas, django_user_model):
    student = django_user_model.objects.create_user("etudiant.martin")
    response, _ = cas_round_trip(client, cas, "etudiant.martin")
    assert response.status_code == 403 and "(etudiant.martin)" in response.content.decode()
    assert client.session.get("_auth_user_id") is None
    event = Event.objects.get(action="accounts.staff_login_failed")
    assert event.actor == student and event.data["reason"] == "not_staff"


def test_a_cas_server_that_does_not_answer_gives_a_clear_page(client, iut_agent, cas):
    cas.next_user = "agent.chartres"
    start = client.get(f"{CAS_LOGIN}?next={QUEUE}")
    back = browser_at_cas(start.url)
    cas.stop()  # gone before the ticket is validated
    response = client.get(back)
    assert response.status_code == 502
    assert "n'a pas répondu" in response.content.decode()
    assert client.session.get("_auth_user_id") is None


def test_the_destination_is_always_a_checked_back_office_address(client, iut_agent, cas):
    missing = client.get(CAS_LOGIN)
    assert missing.status_code == 302 and missing.url == f"{CAS_LOGIN}?next=%2Fgestion%2F"
    outside = client.get(f"{CAS_LOGIN}?next=https://evil.example/")
    assert outside.url == f"{CAS_LOGIN}?next=%2Fgestion%2F"
    response, _ = cas_round_trip(client, cas, "agent.chartres", next_url="/gestion/fichier/1/")
    assert response.url == "/gestion/fichier/1/"


def test_a_half_done_sign_in_does_not_carry_over_to_cas(client, iut_agent, other_agent, cas):
    client.force_login(other_agent)  # signed in, second factor not passed
    response, _ = cas_round_trip(client, cas, "agent.chartres")
    assert response.url == QUEUE
    assert client.session.get("_auth_user_id") == str(iut_agent.pk)
    assert client.session[staff.VERIFIED_KEY]["user"] == str(iut_agent.pk)


def test_signed_in_with_cas_the_button_goes_straight_on(client, iut_agent, cas):
    cas_round_trip(client, cas, "agent.chartres")
    requests_before = len(cas.requests)
    again = client.get(f"{CAS_LOGIN}?next=/gestion/fichier/1/")
    assert again.url == "/gestion/fichier/1/" and len(cas.requests) == requests_before


def test_signing_out_after_cas_signs_out_of_cas_too(client, iut_agent, cas):
    cas_round_trip(client, cas, "agent.chartres")
    response = client.post("/gestion/deconnexion/")
    assert response.status_code == 302
    assert response.url == f"{cas.url}logout?service=http%3A%2F%2Ftestserver%2Fgestion%2Fconnexion%2F"
    assert client.session.get("_auth_user_id") is None
    assert browser_at_cas(response.url) == "http://testserver/gestion/connexion/"
    assert cas.logged_out == 1


def test_single_logout_from_the_cas_server_ends_the_session(client, iut_agent, cas):
    _, back = cas_round_trip(client, cas, "agent.chartres")
    ticket = parse_qs(urlsplit(back).query)["ticket"][0]
    logout_request = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" '
        'IssueInstant="2026-09-01T08:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
        f"<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    server = type(client)(enforce_csrf_checks=True)  # the CAS server's back channel: no cookie
    assert server.post(CAS_LOGIN, {"logoutRequest": "<not xml"}).status_code == 400
    assert client.get(QUEUE).status_code == 200
    assert server.post(CAS_LOGIN, {"logoutRequest": logout_request}).status_code == 302
    assert client.get(QUEUE).url.startswith("/gestion/connexion/?next=")
