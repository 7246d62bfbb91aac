"""A student and attestations of hers, for the CVEC checks."""

import datetime

import pytest

from matricule.cvec.demo import demo_number, seed_attestation

YEAR = "2024-2025"
LAST_YEAR = "2023-2024"


@pytest.fixture(autouse=True)
def simulator_backend(settings):
    """Whatever the deployment's default, these tests speak to the simulator unless they
    build another service themselves."""
    settings.MATRICULE_CVEC_BACKEND = "simulator"


@pytest.fixture
def student():
    """Chloé Lefèvre as she types herself at registration."""
    return {
        "last_name": "Lefèvre",
        "first_names": "Chloé Marie",
        "birth_date": datetime.date(2006, 3, 14),
        "ine": "0494004062M",
        "academic_year_code": YEAR,
    }


@pytest.fixture
def attestation(db):
    """Seeds a simulated attestation; by default Chloé's, valid, for 2024-2025."""

    def make(seq=1, **overrides):
        fields = {
            "number": demo_number(seq, overrides.get("academic_year_code", YEAR)),
            "last_name": "LEFÈVRE",
            "first_names": "Chloé",
            "birth_date": datetime.date(2006, 3, 14),
            "ine": "0494004062M",
            "academic_year_code": YEAR,
            **overrides,
        }
        return seed_attestation(**fields)

    return make
