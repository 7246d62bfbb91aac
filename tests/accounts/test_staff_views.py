"""Staff sign-in: password, then a code from an authenticator app (set up at the first sign-in)."""

import datetime
import re

import pyotp
import pytest
import time_machine
import zxingcpp
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw

from matricule.accounts import staff, staff_views
from matricule.accounts.models import AccountSecurity, Throttle
from matricule.accounts.staff_views import PENDING_KEY
from matricule.audit.models import Event
from tests.accounts.conftest import secret_of

LOGIN = "/gestion/connexion/"
CODE = "/gestion/connexion/code/"
ENROL = "/gestion/connexion/code/application/"
LOGOUT = "/gestion/deconnexion/"
QUEUE = "/gestion/pieces/"
HOME = "/gestion/"  # where staff land after signing in
PASSWORD = "matricule-agent"
STEP = datetime.timedelta(seconds=30)


def code(secret):
    return pyotp.TOTP(secret).at(timezone.now())


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def sign_in(client, username="agent.chartres", password=PASSWORD, next_url=""):
    target = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    return client.post(target, {"username": username, "password": password})


def actions(user=None):
    events = Event.objects.filter(action__startswith="accounts.staff")
    if user is not None:
        events = events.filter(actor=user)
    return list(events.order_by("pk").values_list("action", flat=True))


def read_qr(html: str) -> str:
    """Draw the page's SVG QR code as an image and decode it."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', html).group(1))
    path = re.search(r'<path d="([^"]+)"', html).group(1)
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        x, y, length = int(x), int(y), int(length)
        draw.rectangle([x * scale, y * scale, (x + length) * scale - 1, (y + 1) * scale - 1], fill=0)
    results = zxingcpp.read_barcodes(image)
    return next(r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode)


# --- The page and the password -------------------------------------------------------------------


def test_the_sign_in_page_is_in_french_and_not_cached(client, demo):
    page = client.get(LOGIN)
    html = page.content.decode()
    assert page.status_code == 200 and "no-cache" in page.headers["Cache-Control"]
    assert "<h1>Connexion du personnel</h1>" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "/gestion/connexion/cas/" not in html  # CAS is not configured


def test_a_wrong_password_is_refused_counted_and_audited(client, iut_agent):
    response = sign_in(client, password="wrong")
    assert response.status_code == 400
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert signed_in_user(client) is None
    assert Throttle.objects.get(scope="staff_username", key="agent.chartres").count == 1
    event = Event.objects.get(action="accounts.staff_login_failed")
    assert event.data["reason"] == "password" and event.data["username"] == "agent.chartres"


def test_a_right_password_of_someone_who_is_not_staff_gets_the_same_answer(client, demo, django_user_model):
    django_user_model.objects.create_user("etudiant", password=PASSWORD)
    refused = sign_in(client, username="etudiant")
    wrong = sign_in(client, username="agent.chartres", password="wrong")
    assert refused.status_code == wrong.status_code == 400
    assert "Identifiant ou mot de passe incorrect" in refused.content.decode()
    assert signed_in_user(client) is None
    failures = Event.objects.filter(action="accounts.staff_login_failed").order_by("pk")
    reasons = [event.data["reason"] for event in failures]
    assert reasons == ["not_staff", "password"]


def test_repeated_failures_slow_sign_in_down_without_locking_the_staff_member_out(client, iut_agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for attempt in range(11):  # from anywhere
            client.post(
                LOGIN, {"username": "agent.chartres", "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{attempt}"
            )
        response = sign_in(client)  # the right password is not even checked
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"
    page = response.content.decode()
    assert "Trop de tentatives" in page and 'value="agent.chartres"' in page and PASSWORD not in page
    assert signed_in_user(client) is None and PENDING_KEY not in client.session
    with time_machine.travel(start + datetime.timedelta(seconds=5), tick=False):
        assert sign_in(client).status_code == 302  # never for longer than the delay
    assert Throttle.objects.get(scope="staff_username").count == 0


def test_failures_from_one_address_for_other_usernames_never_slow_a_staff_member(client, iut_agent):
    for n in range(60):
        sign_in(client.__class__(), username=f"someone.{n}", password="wrong")
    assert sign_in(client).status_code == 302


def test_a_computer_that_signed_in_before_is_not_slowed_by_strangers(
    client, iut_agent, other_agent, settings
):
    settings.MATRICULE_STAFF_REQUIRE_2FA = False
    assert sign_in(client).status_code == 302
    cookie = client.cookies["matricule_device"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] == 365 * 24 * 3600
    client.post(LOGOUT)  # signing out keeps the device cookie
    for attempt in range(50):
        client.__class__().post(
            LOGIN, {"username": "agent.chartres", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{attempt}"
        )
    assert sign_in(client.__class__()).status_code == 429  # a new computer waits
    assert sign_in(client).status_code == 302  # this one does not
    assert signed_in_user(client) == str(iut_agent.pk)

    # A cookie naming another staff member, or an altered one, is no help.
    theirs = client.__class__()
    assert sign_in(theirs, username="agent.orleans").status_code == 302
    theirs.post(LOGOUT)
    assert sign_in(theirs).status_code == 429
    forged = client.__class__()
    forged.cookies["matricule_device"] = cookie.value[:-3] + "abc"
    assert sign_in(forged).status_code == 429

    # The known computer has its own small budget of failures.
    client.post(LOGOUT)
    for _ in range(6):
        assert sign_in(client, password="wrong").status_code == 400
    assert sign_in(client).status_code == 429
    assert Throttle.objects.filter(scope="device").count() == 1


def test_the_device_cookie_is_set_once_both_factors_are_passed(
    client, iut_agent, enrolled, two_factor, clock
):
    assert sign_in(client).status_code == 302
    assert "matricule_device" not in client.cookies  # a password alone is not a sign-in
    assert client.post(CODE, {"code": code(enrolled)}).status_code == 302
    assert "matricule_device" in client.cookies


def test_the_staff_member_is_told_by_email_once_a_day(client, iut_agent):
    from matricule.notifications.models import Email

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for attempt in range(30):
            client.post(
                LOGIN, {"username": "Agent.Chartres", "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{attempt}"
            )
    emails = Email.objects.filter(kind="account_staff_sign_in_failures")
    assert list(emails.values_list("to", flat=True)) == [iut_agent.email]
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        for attempt in range(10):
            client.post(
                LOGIN, {"username": "agent.chartres", "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{attempt}"
            )
    assert emails.count() == 2
    events = Event.objects.filter(action="accounts.staff_login_failed").order_by("pk")
    assert events.last().data["failures"] >= 5


def test_failures_for_a_username_nobody_has_email_nobody(client, demo):
    from matricule.notifications.models import Email

    for attempt in range(20):
        client.post(LOGIN, {"username": "nobody", "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{attempt}")
    assert not Email.objects.exists()


def test_without_the_second_factor_requirement_the_password_is_enough(client, iut_agent, settings):
    settings.MATRICULE_STAFF_REQUIRE_2FA = False
    response = sign_in(client, next_url="/gestion/pieces/?page=2")
    assert response.status_code == 302 and response.url == "/gestion/pieces/?page=2"
    assert signed_in_user(client) == str(iut_agent.pk)
    assert client.session[staff.VERIFIED_KEY]["method"] == "password"
    assert actions(iut_agent) == ["accounts.staff_login"]


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/gestion/", "//evil.example/gestion/", "/inscription/", "/gestion/../admin\\x"],
)
def test_only_back_office_addresses_are_followed(client, iut_agent, settings, next_url):
    settings.MATRICULE_STAFF_REQUIRE_2FA = False
    response = client.post(LOGIN, {"username": "agent.chartres", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302 and response.url == HOME


# --- First sign-in: setting up the app -----------------------------------------------------------


def test_first_sign_in_sets_up_an_authenticator_app(client, iut_agent, two_factor, clock):
    response = sign_in(client, next_url="/gestion/pieces/")
    assert response.status_code == 302 and response.url == ENROL
    assert signed_in_user(client) is None  # not signed in before the code
    assert client.get(CODE).url == f"{ENROL}?next=%2Fgestion%2Fpieces%2F"

    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200 and "no-cache" in page.headers["Cache-Control"]
    security = AccountSecurity.objects.get(user=iut_agent)
    assert security.activated_at is None  # not a student account
    assert not TOTPDevice.objects.get(user=iut_agent).confirmed
    secret = secret_of(iut_agent)
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html  # as text…
    uri = read_qr(html)  # …and as a QR code an app can read
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "agent.chartres" in uri
    assert client.get(ENROL).content.decode().count(secret[:4]) >= 1  # the same key when reloaded
    assert secret_of(iut_agent) == secret

    wrong = client.post(ENROL, {"code": "000000" if code(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Ce code est incorrect" in wrong.content.decode()
    assert signed_in_user(client) is None

    done = client.post(ENROL, {"code": code(secret)})
    assert done.status_code == 302 and done.url == "/gestion/pieces/"
    assert signed_in_user(client) == str(iut_agent.pk)
    assert staff_views.PENDING_KEY not in client.session
    assert TOTPDevice.objects.get(user=iut_agent).confirmed
    assert actions(iut_agent) == [
        "accounts.staff_login_failed",
        "accounts.staff_2fa_enrolled",
        "accounts.staff_login",
    ]
    assert client.get(QUEUE).status_code == 200


def test_the_code_step_times_out(client, iut_agent, two_factor, clock):
    sign_in(client)
    clock.shift(datetime.timedelta(seconds=staff_views.PENDING_SECONDS + 1))
    response = client.get(ENROL)
    assert response.status_code == 302 and response.url == LOGIN
    assert "Votre connexion a expiré" in client.get(LOGIN).content.decode()


# --- Later sign-ins: the code ---------------------------------------------------------------------


def test_an_enrolled_staff_member_gives_a_code_once(client, iut_agent, enrolled, two_factor, clock):
    response = sign_in(client)
    assert response.status_code == 302 and response.url == CODE
    assert client.get(ENROL).url.startswith(CODE)  # nothing more to set up
    page = client.get(CODE)
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    done = client.post(CODE, {"code": code(enrolled)})
    assert done.status_code == 302 and done.url == HOME
    assert client.session[staff.VERIFIED_KEY] == {
        "user": str(iut_agent.pk),
        "method": "totp",
        "at": client.session[staff.VERIFIED_KEY]["at"],
    }

    # The same code (same time step) does not open a second session.
    other = type(client)()
    sign_in(other)
    again = other.post(CODE, {"code": code(enrolled)})
    assert again.status_code == 400 and signed_in_user(other) is None
    clock.shift(STEP)
    assert other.post(CODE, {"code": code(enrolled)}).status_code == 302


def test_the_code_is_asked_even_when_not_required_once_the_app_is_set_up(
    client, iut_agent, enrolled, settings, clock
):
    settings.MATRICULE_STAFF_REQUIRE_2FA = False
    assert sign_in(client).url == CODE
    assert signed_in_user(client) is None
    assert client.post(CODE, {"code": code(enrolled)}).url == HOME


def test_wrong_codes_lock_the_account_for_a_while(client, iut_agent, enrolled, two_factor, clock):
    sign_in(client)
    wrong = "000000" if code(enrolled) != "000000" else "111111"
    for _ in range(4):
        assert client.post(CODE, {"code": wrong}).status_code == 400
    locked = client.post(CODE, {"code": wrong})
    assert locked.status_code == 429 and "Trop de tentatives" in locked.content.decode()
    assert Throttle.objects.get(scope="totp_user", key=str(iut_agent.pk)).locked_until is not None
    # Even with the password again and the right code, the account waits.
    sign_in(client)
    assert client.post(CODE, {"code": code(enrolled)}).status_code == 429
    assert signed_in_user(client) is None
    assert actions(iut_agent).count("accounts.staff_login_failed") == 5


# --- Sessions ------------------------------------------------------------------------------------


def test_a_signed_in_student_is_signed_out_when_staff_signs_in(
    client, iut_agent, enrolled, two_factor, clock, django_user_model
):
    student = django_user_model.objects.create_user("etudiant")
    client.force_login(student)
    sign_in(client)
    assert signed_in_user(client) is None
    client.post(CODE, {"code": code(enrolled)})
    assert signed_in_user(client) == str(iut_agent.pk)


def test_staff_signed_in_another_way_pass_the_second_step_from_their_session(
    client, iut_agent, two_factor, clock
):
    client.force_login(iut_agent)  # e.g. the student login page, with a staff member's email
    before = client.session.session_key
    response = client.get(QUEUE)
    assert response.status_code == 302 and response.url == f"{CODE}?next=/gestion/pieces/"
    enrol_page = client.get(response.url)
    assert enrol_page.url == f"{ENROL}?next=%2Fgestion%2Fpieces%2F"
    client.get(enrol_page.url)
    secret = secret_of(iut_agent)
    done = client.post(enrol_page.url, {"code": code(secret)})
    assert done.status_code == 302 and done.url == QUEUE
    assert client.session.session_key != before  # more rights, new session key
    assert client.get(QUEUE).status_code == 200


def test_a_verified_staff_member_opening_the_sign_in_page_goes_on(client, iut_agent, two_factor):
    client.force_login(iut_agent)
    staff.mark_verified(client.session)
    assert client.get(f"{LOGIN}?next=/gestion/pieces/").url == QUEUE


def test_sign_out(client, iut_agent, two_factor):
    client.force_login(iut_agent)
    staff.mark_verified(client.session)
    assert client.get(LOGOUT).status_code == 405
    response = client.post(LOGOUT)
    assert response.status_code == 302 and response.url == LOGIN
    assert signed_in_user(client) is None
    assert "Vous êtes déconnecté" in client.get(LOGIN).content.decode()
    assert client.get(QUEUE).url.startswith(LOGIN)


def test_the_english_pages_stay_in_english(client, iut_agent, two_factor, clock):
    response = client.post("/en/gestion/connexion/", {"username": "agent.chartres", "password": PASSWORD})
    assert response.url == "/en/gestion/connexion/code/application/"
    page = client.get(response.url)
    assert "<h1>Set up your authenticator app</h1>" in page.content.decode()
    secret = secret_of(iut_agent)
    assert client.post(response.url, {"code": code(secret)}).url == "/en/gestion/"


# --- The set-up window ---------------------------------------------------------------------------


def test_a_password_alone_sets_up_no_app_once_the_window_has_closed(
    iut_agent, administrator, two_factor, clock, staff_client
):
    AccountSecurity.objects.filter(user=iut_agent).update(enrolment_open_until=timezone.now())
    from django.test import Client

    browser = Client()
    response = sign_in(browser)
    assert response.status_code == 302 and response.url == ENROL
    closed = browser.get(ENROL)
    assert closed.status_code == 403
    assert "administrateur" in closed.content.decode()
    assert not TOTPDevice.objects.filter(user=iut_agent).exists()  # no key was shown
    assert Event.objects.filter(action="accounts.staff_2fa_enrolment_refused", actor=iut_agent).exists()
    assert browser.post(ENROL, {"code": "123456"}).status_code in (302, 403)
    assert signed_in_user(browser) is None

    # An administrator opens it again (after checking who is asking); once set up it closes.
    staff_client(administrator).post(
        "/admin/accounts/user/", {"action": "open_enrolment", "_selected_action": [iut_agent.pk]}
    )
    assert staff.enrolment_open(iut_agent)
    again = Client()
    assert sign_in(again).url == ENROL
    again.get(ENROL)
    secret = secret_of(iut_agent)
    assert again.post(ENROL, {"code": code(secret)}).status_code == 302
    assert signed_in_user(again) == str(iut_agent.pk)
    assert not staff.enrolment_open(iut_agent)
