"""The steps of a registration (matricule.registration.steps): which are asked, and where a posted
step goes. Continuing-education trainees and exchange students are not concerned by the CVEC: the
step is not asked and the attestation is not required as a document."""

import pytest

from matricule.documents.services import required_types
from matricule.institution.models import Stage
from matricule.registration import desk
from matricule.registration.steps import first_incomplete, missing_steps, navigation, steps_for

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


@pytest.mark.parametrize(
    ("key", "posted", "expected"),
    [
        ("ine", {"action": "next"}, ("baccalaureate", True)),  # stays on the step when invalid
        ("ine", {}, ("baccalaureate", True)),
        ("ine", {"action": "previous"}, ("identity", False)),
        ("identity", {"action": "previous"}, ("identity", False)),
        ("ine", {"action": "next", "goto": "social"}, ("social", False)),
        ("ine", {"goto": "review"}, ("review", False)),
        ("programme", {"action": "next"}, ("review", True)),
    ],
)
def test_where_a_posted_step_goes(demo, iut_agent, key, posted, expected):
    registration = desk.open_desk_registration(
        agent=iut_agent, stage=Stage.objects.get(code="GEII-1"), identity=PERSON, reason=desk.Reason.HELP
    )

    assert navigation(registration, key, posted) == expected


def test_the_first_incomplete_step_or_the_last_one(demo, iut_agent):
    registration = desk.open_desk_registration(
        agent=iut_agent, stage=Stage.objects.get(code="GEII-1"), identity=PERSON, reason=desk.Reason.HELP
    )
    assert first_incomplete(registration).key == "identity"

    registration.valid_steps = ["identity", "ine"]
    assert [s.key for s in missing_steps(registration)][:2] == ["baccalaureate", "previous"]
    registration.valid_steps = [s.key for s in steps_for(registration)]
    assert missing_steps(registration) == []
    assert first_incomplete(registration).key == "programme"
