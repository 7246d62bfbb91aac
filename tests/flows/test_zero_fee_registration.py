# ruff: noqa: F811 - fixtures imported from tests/registration/conftest.py are used as arguments
"""A registration with nothing to pay, from the online form to the student number, the status
page, the summary PDF (certificates, verifiable by its serial) and the confirmation email."""

import pytest
from django.core import mail

from matricule.registration.models import State
from tests.registration.conftest import answers, chloe, chloe_client, fill, start  # noqa: F401

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def test_complete_registration_with_zero_fee_gets_a_number_and_summary(
    chloe_client, chloe, answers, django_capture_on_commit_callbacks
):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe))
    with django_capture_on_commit_callbacks(execute=True):
        response = chloe_client.post(f"/inscription/{registration.pk}/verification/")
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == State.REGISTERED
    assert registration.fee_total_cents == 0
    number = registration.student.student_number
    assert number == f"{registration.academic_year.first_year % 100:02d}000001"
    status = chloe_client.get(f"/inscription/{registration.pk}/").content.decode()
    assert number in status and "attribution de bourse" in status
    pdf = chloe_client.get(f"/inscription/{registration.pk}/recapitulatif.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    from matricule.certificates.models import IssuedDocument

    summary = IssuedDocument.objects.get(kind="summary")  # recorded, with a serial to verify
    assert chloe_client.get(f"/verifier/{summary.serial}/").status_code == 200
    confirmation = next(m for m in mail.outbox if "confirm" in m.subject.lower())
    assert number in confirmation.body
    assert confirmation.attachments[0][2] == "application/pdf"
