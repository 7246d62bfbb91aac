"""Continuing-education trainees and exchange students are not concerned by the CVEC: the step
is not asked and the attestation is not required as a document."""

import pytest

from matricule.documents.services import required_types
from matricule.institution.models import Stage
from matricule.registration import desk
from matricule.registration.steps import steps_for

PERSON = {
    "last_name": "KOWALSKA",
    "first_names": "Anna",
    "sex": "F",
    "birth_date": "2005-04-02",
    "email": "anna.kowalska@example.org",
}


@pytest.mark.parametrize(
    ("reason", "asked"),
    [
        (desk.Reason.EXCHANGE, False),
        (desk.Reason.CONTINUING_EDUCATION, False),
        (desk.Reason.NON_EU_FIRST, True),
        (desk.Reason.HELP, True),
    ],
)
def test_the_cvec_is_asked_only_of_those_concerned(demo, iut_agent, reason, asked):
    registration = desk.open_desk_registration(
        agent=iut_agent, stage=Stage.objects.get(code="GEII-1"), identity=PERSON, reason=reason
    )
    assert ("cvec" in [s.key for s in steps_for(registration)]) is asked
    registration.cleaned = {"social": {"grant": "none"}, "baccalaureate": {"kind": "french"}}
    assert ("cvec" in [t.code for t in required_types(registration)]) is asked
