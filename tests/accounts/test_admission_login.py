"""The admission login's service: connection links asked for and used."""

import datetime

import pytest

from matricule.accounts import admission_login


def test_link_requests_per_candidate_are_limited(
    new_student, outbox, immediate_tasks, settings, django_capture_on_commit_callbacks
):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "admission_number": (50, 900, 900)}
    for attempt in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            admission_login.request_link(
                year=new_student.academic_year,
                number="240012345",
                birth_date=datetime.date(2006, 3, 14),
                email="chloe.lefevre@example.org",
                address=f"10.0.0.{attempt}",
            )
    assert len(outbox) == 5


def test_using_a_link_retires_the_candidates_other_links(new_student):
    first = admission_login.create_link(new_student)
    second = admission_login.create_link(new_student)
    admission_login.use_link(first)
    with pytest.raises(admission_login.LinkError) as error:
        admission_login.use_link(second)
    assert error.value.code == "used"
