"""The simulator backend, its table, its admin and the demo helpers."""

import datetime

import pytest
from django.urls import reverse

from matricule.cvec.checks import check_format
from matricule.cvec.demo import demo_number, seed_attestation
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


def test_admin_adds_a_number_typed_with_spaces_and_refuses_its_duplicate(admin_client):
    data = {
        "number": "orl4 0000 0042",
        "academic_year_code": "2024-2025",
        "crous": "Crous Orléans-Tours",
        "last_name": "NGUYEN",
        "usage_name": "",
        "first_names": "Thanh",
        "birth_date": "2006-01-20",
        "ine": "",
        "valid": "on",
        "exemption_reason": "",
    }
    add_url = reverse("admin:cvec_simulatedattestation_add")
    response = admin_client.post(add_url, data)
    assert response.status_code == 302
    assert SimulatedAttestation.objects.get().number == "ORL400000042"

    duplicate = admin_client.post(add_url, {**data, "number": "ORL4-00000042"})
    assert duplicate.status_code == 200
    assert "number" in duplicate.context["adminform"].form.errors
    assert SimulatedAttestation.objects.count() == 1

    malformed = admin_client.post(add_url, {**data, "number": "ORL4"})
    assert "number" in malformed.context["adminform"].form.errors

    listing = admin_client.get(reverse("admin:cvec_simulatedattestation_changelist"), {"q": "ORL4 00000042"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == list(SimulatedAttestation.objects.all())
