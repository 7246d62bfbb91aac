"""The simulator backend: attestations looked up in its table."""

import datetime

import pytest

from matricule.cvec.demo import demo_number
from matricule.cvec.models import SimulatedAttestation
from matricule.cvec.service import Attestation, CvecUnavailable, get_service
from matricule.cvec.simulator import SimulatorCvecService

pytestmark = pytest.mark.django_db


def test_lookup_answers_the_row_with_that_number():
    SimulatedAttestation.objects.create(
        number="tou5 01234567",
        last_name="MARTIN",
        first_names="Léa",
        birth_date=datetime.date(2006, 5, 2),
        ine="123456789ab",
        crous="Crous Toulouse Occitanie",
        academic_year_code="2025-2026",
        exempt=True,
        exemption_reason="Boursier",
    )

    found = SimulatorCvecService().lookup("TOU5-0123-4567", "2025-2026")

    assert found == Attestation(
        number="TOU501234567",
        last_name="MARTIN",
        first_names="Léa",
        birth_date=datetime.date(2006, 5, 2),
        ine="123456789AB",
        crous="Crous Toulouse Occitanie",
        academic_year_code="2025-2026",
        valid=True,
        exempt=True,
        exemption_reason="Boursier",
    )


def test_lookup_of_an_unknown_number_is_none():
    assert SimulatorCvecService().lookup("TOU599999999", "2025-2026") is None


def test_lookup_finds_an_attestation_of_another_year(attestation):
    """The year is compared by the caller, which can then explain it to the student."""
    attestation(seq=3, academic_year_code="2023-2024")
    found = SimulatorCvecService().lookup(demo_number(3, "2023-2024"), "2024-2025")
    assert found.academic_year_code == "2023-2024"


def test_the_simulator_can_be_set_unavailable(settings, attestation):
    attestation()
    settings.MATRICULE_CVEC_SIMULATOR_UNAVAILABLE = True
    with pytest.raises(CvecUnavailable):
        get_service().lookup(demo_number(1, "2024-2025"), "2024-2025")
