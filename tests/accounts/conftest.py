"""Fixtures and helpers shared by the accounts tests: students (registered, activated), staff
members with a role, and the second factor's clock and codes."""

import datetime
import re

import pyotp
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from matricule.accounts import activation, totp
from matricule.accounts.models import ComponentMembership
from matricule.admissions.models import Candidate
from matricule.institution.models import Component, Stage
from tests.payments.conftest import submitted_registration

PASSWORD = "Trois chats sur le toit 42"  # noqa: S105


def admitted(year, *, offer, **identity):
    """A candidate of `year` admitted for good, in the main phase, to the stage of the `offer`."""
    return Candidate.objects.create(
        academic_year=year,
        **identity,
        parcoursup_offer_code=offer,
        stage=Stage.objects.get(code=offer),
        situation="1",
        phase="principale",
    )


@pytest.fixture
def new_student(demo):
    """Chloé, admitted for good in BUT1 GEII at the IUT de Chartres, main phase."""
    return admitted(
        demo.current_year,
        parcoursup_number="240012345",
        last_name="LEFÈVRE",
        first_names="Chloé",
        sex="F",
        birth_date=datetime.date(2006, 3, 14),
        email="Chloe.Lefevre@example.org",
        offer="GEII-1",
    )


@pytest.fixture
def classmate(demo):
    """Another admitted student from the same lycée (same network address)."""
    return admitted(
        demo.current_year,
        parcoursup_number="240099999",
        last_name="MARTIN",
        first_names="Léa",
        birth_date=datetime.date(2006, 5, 2),
        email="lea.martin@example.org",
        offer="GEA-1",
    )


# --- Students -----------------------------------------------------------------------------------


def both(password, again=None):
    """The set-password form's data: the password, and the same again (or `again`)."""
    return {"new_password1": password, "new_password2": password if again is None else again}


def url(name, *args, language="en"):
    """Pages in English, so that the assertions read the messages' source text."""
    with translation.override(language):
        return reverse(f"student-account:{name}", args=args)


def token_from(outbox, name="activate") -> str:
    # The link is in the language of the page that asked for it.
    prefixes = []
    for language in ("fr", "en"):
        with translation.override(language):
            prefixes.append(re.escape(reverse(f"student-account:{name}", args=["TOKEN"]).split("TOKEN")[0]))
    match = re.search("(?:" + "|".join(prefixes) + r")([A-Za-z0-9_-]{43})/", outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


@pytest.fixture
def registered_user(demo, demo_candidates):
    """Chloé, registered (grant holder: nothing to pay), who has not activated her account."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year, grant="crous")
    assert registration.state == "registered"
    user = registration.student.user
    assert not user.has_usable_password()
    return user


@pytest.fixture
def activated_user(registered_user):
    token = activation.create_token(registered_user, "activate", "chloe.lefevre@example.org")
    return activation.activate_account(token, PASSWORD)


@pytest.fixture
def send(django_capture_on_commit_callbacks, immediate_tasks, outbox):
    """Send the activation link as the registration flow does; returns the token emailed."""

    def sender(user):
        with django_capture_on_commit_callbacks(execute=True):
            assert activation.send_activation_link(user) is True
        return token_from(outbox)

    return sender


# --- The second factor ----------------------------------------------------------------------------


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


def secret_of(user) -> str:
    """The key the set-up page showed (base32), from the account's device."""
    return totp.secret(TOTPDevice.objects.get(user=user))


@pytest.fixture
def clock():
    """Frozen time at the start of a 30-second step (codes are computed against it)."""
    start = timezone.now().replace(microsecond=0)
    start -= datetime.timedelta(seconds=start.second % 30) - datetime.timedelta(seconds=2)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def enable(client, user) -> str:
    client.force_login(user)
    assert client.get(url("totp-enable")).status_code == 200
    secret = secret_of(user)
    response = client.post(url("totp-enable"), {"code": code_at(secret, timezone.now())})
    assert response.status_code == 302 and response.url == url("home")
    client.logout()
    return secret


# --- Staff --------------------------------------------------------------------------------------


@pytest.fixture
def two_factor(settings):
    settings.MATRICULE_STAFF_REQUIRE_2FA = True


@pytest.fixture
def enrolled(iut_agent):
    """The IUT de Chartres agent with an authenticator app set up: its secret."""
    secret = pyotp.random_base32()
    totp.set_known_key(iut_agent, secret)
    return secret


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
