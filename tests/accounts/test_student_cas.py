"""Students sign in through the university's CAS once their ENT account exists (student_cas.py):
the ENT button, the round trip with a local CAS server (tests/accounts/fake_cas.py, validating
tickets over real HTTP), the refusals and an unreachable CAS. Who a CAS uid is, is the
directory's answer: tests/directory/test_cas.py."""

import pytest
from django.urls import reverse

from matricule.accounts import staff_cas
from matricule.audit.models import Event
from matricule.directory.models import DirectoryAccount
from tests.accounts.fake_cas import FakeCasServer
from tests.accounts.test_staff_cas import browser_at_cas
from tests.directory.conftest import directory, register, slapd  # noqa: F401 (the ENT accounts)


@pytest.fixture
def cas(settings):
    server = FakeCasServer().start()
    settings.CAS_SERVER_URL = server.url
    settings.CAS_VERSION = "3"
    settings.CAS_SESSION_FACTORY = staff_cas.http_session
    yield server
    server.stop()


@pytest.fixture
def student(directory, register):  # noqa: F811 (the imported fixtures)
    """Chloé, registered, her ENT account written in the directory."""
    registration = register()
    account = DirectoryAccount.objects.get(student=registration.student)
    assert account.dn
    return account


def ent_login_url() -> str:
    return reverse("student-account:login-ent")


def round_trip(client, cas, uid, next_url=""):
    cas.next_user = uid
    start = client.get(ent_login_url() + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302 and start.url.startswith(f"{cas.url}login?service=")
    back = browser_at_cas(start.url)
    assert "ticket=ST-" in back
    return client.get(back)


def test_the_login_page_offers_the_ent_when_cas_and_the_directory_are_on(client, cas, student):
    assert ent_login_url() in client.get(reverse("student-account:login")).content.decode()


@pytest.mark.parametrize("what", ["no CAS", "no directory"])
def test_no_ent_sign_in_without_cas_or_directory(client, settings, cas, student, what):
    if what == "no CAS":
        settings.CAS_SERVER_URL = ""
    else:
        settings.MATRICULE_LDAP_URL = ""
    assert ent_login_url() not in client.get(reverse("student-account:login")).content.decode()
    assert client.get(ent_login_url()).status_code == 404


def test_a_student_signs_in_with_their_ent_uid(client, cas, student):
    response = round_trip(client, cas, student.uid, next_url="/compte/")
    assert response.status_code == 302 and response.url == "/compte/"
    assert client.session["_auth_user_id"] == str(student.student.user_id)
    assert Event.objects.filter(
        action="accounts.student_cas_login", object_id=str(student.student.user_id)
    ).exists()
    assert len(cas.validations()) == 1


def test_an_unknown_uid_is_refused(client, cas, student):
    response = round_trip(client, cas, "someone-else")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(action="accounts.student_cas_login_failed").exists()


def test_a_bad_ticket_is_refused(client, cas, student):
    assert client.get(ent_login_url() + "?ticket=ST-forged").status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_cas_server_that_does_not_answer(client, settings, cas, student):
    settings.CAS_SERVER_URL = "http://127.0.0.1:9/cas/"
    assert client.get(ent_login_url() + "?ticket=ST-x").status_code == 502
