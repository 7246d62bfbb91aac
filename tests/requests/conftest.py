# ruff: noqa: F811 - fixtures imported from the documents and payments tests are used as arguments
"""Fixtures of the requests tests: a registered student (the documents tests' Chloé, a grant
holder), one who paid her fees, and a way to file a request."""

import pytest

from matricule.requests import services
from matricule.requests.models import Kind
from tests.documents.conftest import png_bytes, private_media, registered, upload_file  # noqa: F401
from tests.payments.conftest import awaiting, submitted_registration  # noqa: F401

NEW_ADDRESS = {"street": "3 place des Halles", "postal_code": "45000", "city": "Orléans", "country": "FR"}


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
def file_request():
    """file_request(registration, kind=address change, data=NEW_ADDRESS, files=()) -> a request."""

    def make(registration, kind=Kind.ADDRESS_CHANGE, data=None, files=()):
        if data is None:
            data = dict(NEW_ADDRESS) if kind == Kind.ADDRESS_CHANGE else {}
        return services.file_request(registration, kind, data, files, actor=registration.student.user)

    return make


def photo():
    return upload_file("declaration.png", png_bytes())
