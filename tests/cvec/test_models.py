"""The simulator's attestations as stored: numbers and INE as the service is asked them."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from matricule.cvec.models import SimulatedAttestation
from matricule.cvec.service import Attestation

pytestmark = pytest.mark.django_db


def make(**fields):
    values = {
        "number": "orl4 0000 0001",
        "last_name": "LEFÈVRE",
        "first_names": "Chloé",
        "birth_date": datetime.date(2006, 3, 14),
        "ine": " 0494004062m ",
        "crous": "Crous Orléans-Tours",
        "academic_year_code": "2024-2025",
        **fields,
    }
    return SimulatedAttestation(**values)


def test_the_number_and_the_ine_are_stored_normalized():
    attestation = make()
    attestation.save()
    attestation.refresh_from_db()
    assert (attestation.number, attestation.ine) == ("ORL400000001", "0494004062M")


def test_a_row_answers_as_the_service_would():
    row = make(usage_name="MARTIN", exempt=True, exemption_reason="Boursier")
    row.save()
    assert row.to_attestation() == Attestation(
        number="ORL400000001",
        last_name="LEFÈVRE",
        usage_name="MARTIN",
        first_names="Chloé",
        birth_date=datetime.date(2006, 3, 14),
        ine="0494004062M",
        crous="Crous Orléans-Tours",
        academic_year_code="2024-2025",
        valid=True,
        exempt=True,
        exemption_reason="Boursier",
    )


@pytest.mark.parametrize(("field", "value"), [("number", "ORL4 123"), ("academic_year_code", "2024/25")])
def test_a_malformed_number_or_year_is_refused(field, value):
    well_formed = {"number": "ORL400000001", "ine": "0494004062M"}
    make(**well_formed).full_clean()
    with pytest.raises(ValidationError) as error:
        make(**{**well_formed, field: value}).full_clean()
    assert list(error.value.message_dict) == [field]
