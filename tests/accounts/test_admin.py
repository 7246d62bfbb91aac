"""The accounts' administration: rate limits lifted, lost authenticator apps reset, their keys
never shown."""

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from matricule.accounts import staff
from matricule.accounts.models import Throttle
from matricule.audit.models import Event

ADMISSION_LOGIN = "/connexion/"
GOOD = {"number": "P240012345", "birth_date": "2006-03-14", "email": "chloe.lefevre@EXAMPLE.org"}
STAFF_LOGIN = "/gestion/connexion/"
ENROL = "/gestion/connexion/code/application/"
PASSWORD = "matricule-agent"


def post(client, data, address="203.0.113.7"):
    return client.post(ADMISSION_LOGIN, data, REMOTE_ADDR=address)


def sign_in(client, username="agent.chartres", password=PASSWORD, next_url=""):
    target = f"{STAFF_LOGIN}?next={next_url}" if next_url else STAFF_LOGIN
    return client.post(target, {"username": username, "password": password})


def test_staff_see_and_lift_a_delay(client, new_student, administrator):
    for _ in range(4):
        post(client, {**GOOD, "birth_date": "2001-01-01"})
    delay = Throttle.objects.get(scope="login_pair", key="240012345@203.0.113.7")
    assert delay.locked_until is not None
    assert post(client, {**GOOD, "birth_date": "2001-01-01"}).status_code == 429
    staff = client.__class__()
    staff.force_login(administrator)
    listing = staff.get(reverse("admin:accounts_throttle_changelist"))
    assert "240012345@203.0.113.7" in listing.content.decode()
    staff.post(
        reverse("admin:accounts_throttle_changelist"),
        {"action": "lift_locks", "_selected_action": [delay.pk]},
    )
    delay.refresh_from_db()
    assert delay.locked_until is None and delay.count == 0
    assert post(client, {**GOOD, "birth_date": "2001-01-01"}).status_code == 302
    assert Event.objects.filter(action="accounts.throttle.lifted", object_id=str(delay.pk)).exists()


def test_an_administrator_resets_a_lost_authenticator_app(
    iut_agent, administrator, enrolled, two_factor, clock, staff_client, outbox
):
    from matricule.notifications.models import Email

    admin = staff_client(administrator)
    listing = admin.get("/admin/accounts/user/")
    assert listing.status_code == 200
    done = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [iut_agent.pk]},
        follow=True,
    )
    assert done.status_code == 200
    assert not staff.has_second_factor(iut_agent)
    assert Event.objects.filter(action="accounts.staff_2fa_reset", actor=administrator).count() == 1
    notice = Email.objects.get(kind="account_staff_authenticator_reset")
    assert notice.to == iut_agent.email and "administrat" in notice.body
    # At the next sign-in (another browser) the agent sets up a new app.
    from django.test import Client

    response = sign_in(Client())
    assert response.status_code == 302 and response.url.startswith(ENROL)


def test_only_administrators_reset_authenticator_apps(iut_agent, enrolled, staff_client):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from matricule.accounts.admin import UserAdmin
    from matricule.accounts.models import User

    request = RequestFactory().post("/admin/accounts/user/")
    request.user = iut_agent
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    UserAdmin(User, site).reset_second_factor(request, User.objects.filter(pk=iut_agent.pk))
    assert staff.has_second_factor(iut_agent)


def test_only_administrators_open_the_set_up_and_are_told_so(iut_agent):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory
    from django.utils import translation

    from matricule.accounts.admin import UserAdmin
    from matricule.accounts.models import AccountSecurity, User

    def until():
        return (
            AccountSecurity.objects.filter(user=iut_agent)
            .values_list("enrolment_open_until", flat=True)
            .first()
        )

    before = until()
    said = []
    request = RequestFactory().post("/admin/accounts/user/")
    request.user = iut_agent
    request._messages = type("M", (), {"add": lambda self, level, text, tags: said.append(str(text))})()
    with translation.override("fr"):
        UserAdmin(User, site).open_enrolment(request, User.objects.filter(pk=iut_agent.pk))
    assert said == [
        "Seuls les administrateurs peuvent permettre la configuration d'une application d'authentification."
    ]
    assert until() == before  # nothing opened


def test_the_admin_does_not_show_the_keys():
    """Resetting goes through the admin action (audit event, email, sessions ended), and an
    administrator never sees someone's key."""
    from django.contrib import admin

    import matricule.accounts.admin  # noqa: F401 - what unregisters django-otp's device admin

    assert not admin.site.is_registered(TOTPDevice)
