"""The registration's CVEC check (matricule.registration.cvec_step): the attestation's holder
must be this student, this year."""

import pytest

from matricule.cvec.checks import VerdictCode
from matricule.demo.seed import cvec_number
from matricule.registration.cvec_step import verify_attestation
from tests.registration.conftest import start


def test_the_students_own_attestation_of_the_year_is_accepted(chloe_client, chloe, demo):
    registration = start(chloe_client)

    verdict = verify_attestation(registration, cvec_number(demo.current_year, chloe))

    assert (verdict.ok, verdict.code) == (True, VerdictCode.OK)


def test_another_students_attestation_is_refused_with_the_reason(chloe_client, demo_candidates, demo):
    registration = start(chloe_client)

    verdict = verify_attestation(
        registration, cvec_number(demo.current_year, demo_candidates["complementary"])
    )

    assert (verdict.ok, verdict.code) == (False, VerdictCode.HOLDER_MISMATCH)
    assert verdict.message


@pytest.mark.usefixtures("immediate_tasks")
def test_cvec_attestation_of_someone_else_is_refused(chloe_client, chloe, demo_candidates, demo):
    from matricule.demo.seed import cvec_number

    registration = start(chloe_client)
    someone_else = cvec_number(demo.current_year, demo_candidates["complementary"])
    response = chloe_client.post(
        f"/inscription/{registration.pk}/etape/cvec/", {"attestation": someone_else, "action": "next"}
    )
    assert response.status_code == 400
    assert "quelqu'un d'autre" in response.content.decode() or "ne correspond" in response.content.decode()
