"""The simulator's attestations in the administration: numbers typed as printed."""

import pytest
from django.urls import reverse

from matricule.cvec.models import SimulatedAttestation

pytestmark = pytest.mark.django_db


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
