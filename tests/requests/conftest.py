# ruff: noqa: F811 - fixtures imported from the documents and payments tests are used as arguments
"""Fixtures of the requests tests: a registered student (the documents tests' Chloé, a grant
holder), one who paid her fees, staff clients and a way to file a request."""

import pytest

from matricule.accounts.admission_login import user_for_candidate
from matricule.accounts.models import ComponentMembership
from matricule.institution.models import Component
from matricule.requests import services
from matricule.requests.models import Kind
from tests.documents.conftest import png_bytes, private_media, registered, upload_file  # noqa: F401
from tests.payments.conftest import awaiting, submitted_registration  # noqa: F401

NEW_ADDRESS = {"street": "3 place des Halles", "postal_code": "45000", "city": "Orléans", "country": "France"}


@pytest.fixture
def paid(demo, demo_candidates, iut_agent, django_capture_on_commit_callbacks):
    """Chloé, registered after paying the BUT fee by hand at the desk (no grant)."""
    from matricule.payments.services import record_manual_payment

    with django_capture_on_commit_callbacks(execute=True):
        registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
        record_manual_payment(
            registration, amount_cents=registration.fee_total_cents, actor=iut_agent, note="Chèque"
        )
    registration.refresh_from_db()
    assert registration.state == "registered" and registration.fee_total_cents > 0
    return registration


@pytest.fixture
def student_client(client, registered):
    client.force_login(registered.student.user)
    return client


@pytest.fixture
def intruder_client(client, demo_candidates):
    """Another admitted candidate, signed in, with no registration of her own."""
    client.force_login(user_for_candidate(demo_candidates["complementary"]))
    return client


@pytest.fixture
def staff_client(client):
    """staff_client(user) -> the test client signed in as that staff member."""
    from matricule.accounts.staff import mark_verified

    def sign_in(user):
        client.force_login(user)
        mark_verified(client.session)
        return client

    return sign_in


@pytest.fixture
def chartres_auditor(demo, django_user_model):
    user = django_user_model.objects.create_user("auditeur.chartres", password="x")
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-chartres"), role=ComponentMembership.Role.AUDITOR
    )
    return user


@pytest.fixture
def file_request():
    """file_request(registration, kind=address change, data=NEW_ADDRESS, files=()) -> a request."""

    def make(registration, kind=Kind.ADDRESS_CHANGE, data=None, files=()):
        if data is None:
            data = dict(NEW_ADDRESS) if kind == Kind.ADDRESS_CHANGE else {}
        return services.file_request(registration, kind, data, files, actor=registration.student.user)

    return make


def photo():
    return upload_file("declaration.png", png_bytes())
