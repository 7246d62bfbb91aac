import datetime

import pytest

from matricule.admissions.models import Candidate
from matricule.institution.models import Stage


@pytest.fixture
def new_student(demo):
    """Chloé, admitted for good in BUT1 GEII at the IUT de Chartres, main phase."""
    return Candidate.objects.create(
        academic_year=demo.current_year,
        parcoursup_number="240012345",
        last_name="LEFÈVRE",
        first_names="Chloé",
        sex="F",
        birth_date=datetime.date(2006, 3, 14),
        email="Chloe.Lefevre@example.org",
        parcoursup_offer_code="GEII-1",
        stage=Stage.objects.get(code="GEII-1"),
        situation="1",
        phase="principale",
    )


@pytest.fixture
def classmate(demo):
    """Another admitted student from the same lycée (same network address)."""
    return Candidate.objects.create(
        academic_year=demo.current_year,
        parcoursup_number="240099999",
        last_name="MARTIN",
        first_names="Léa",
        birth_date=datetime.date(2006, 5, 2),
        email="lea.martin@example.org",
        parcoursup_offer_code="GEA-1",
        stage=Stage.objects.get(code="GEA-1"),
        situation="1",
        phase="principale",
    )
