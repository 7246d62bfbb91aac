"""The demo's simulated attestations: well-formed numbers, seeded again without duplicates."""

import datetime

import pytest

from matricule.cvec.checks import check_format
from matricule.cvec.demo import demo_number, seed_attestation
from matricule.cvec.models import SimulatedAttestation

pytestmark = pytest.mark.django_db


def test_demo_number_is_well_formed_and_tells_the_year():
    assert demo_number(1, "2024-2025") == "ORL400000001"
    assert demo_number(12345678, "2025-2026") == "ORL512345678"
    assert check_format(demo_number(99999999, "2024-2025")) == "ORL499999999"
    with pytest.raises(ValueError):
        demo_number(0, "2024-2025")
    with pytest.raises(ValueError):
        demo_number(10**8, "2024-2025")


def test_seed_attestation_is_idempotent_and_updates():
    fields = {
        "number": demo_number(7, "2024-2025"),
        "last_name": "DIALLO",
        "first_names": "Moussa",
        "birth_date": datetime.date(2005, 11, 30),
        "ine": "0123456789m",
        "academic_year_code": "2024-2025",
    }
    first = seed_attestation(**fields)
    again = seed_attestation(**fields, exempt=True, exemption_reason="Boursier sur critères sociaux")

    assert SimulatedAttestation.objects.count() == 1
    assert again.pk == first.pk
    row = SimulatedAttestation.objects.get()
    assert (row.exempt, row.exemption_reason) == (True, "Boursier sur critères sociaux")
    assert (row.ine, row.crous, row.valid) == ("0123456789M", "Crous Orléans-Tours", True)


def test_seed_attestation_refuses_a_malformed_number():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="12"):
        seed_attestation(
            number="ORL4123",
            last_name="X",
            first_names="Y",
            birth_date=datetime.date(2006, 1, 1),
            ine="",
            academic_year_code="2024-2025",
        )
