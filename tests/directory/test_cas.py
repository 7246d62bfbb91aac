"""Who a CAS login is (cas.py), the look-up behind the students' ENT sign-in: the student whose
ENT account, written in the directory, has that uid; nobody for an unknown uid, an account not
written yet, an inactive user or a staff member, nor when CAS or the directory is off. The sign-in
pages themselves: tests/accounts/test_student_cas.py (whose `cas`, `student` and `round_trip`
these tests reuse)."""

import pytest

from matricule.accounts.models import ComponentMembership
from matricule.directory.cas import available, student_user
from matricule.directory.models import DirectoryAccount
from tests.accounts.test_student_cas import cas, round_trip, student  # noqa: F401 (fixtures)


def test_the_uid_of_a_written_account_is_its_student(cas, student):  # noqa: F811
    assert available()
    assert student_user(student.uid) == student.student.user
    assert student_user("someone-else") is None
    assert student_user("") is None


@pytest.mark.parametrize("what", ["CAS_SERVER_URL", "MATRICULE_LDAP_URL"])
def test_nobody_without_cas_or_directory(settings, cas, student, what):  # noqa: F811
    setattr(settings, what, "")
    assert not available()
    assert student_user(student.uid) is None


def test_a_staff_member_is_not_let_in_as_a_student(client, cas, student, demo):  # noqa: F811
    user = student.student.user
    ComponentMembership.objects.create(
        user=user, component=student.student.registrations.get().stage.programme.component, role="agent"
    )
    assert student_user(student.uid) is None
    response = round_trip(client, cas, student.uid)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_an_account_not_written_in_the_directory_yet_is_refused(client, cas, student):  # noqa: F811
    DirectoryAccount.objects.filter(pk=student.pk).update(dn="")
    assert student_user(student.uid) is None
    assert round_trip(client, cas, student.uid).status_code == 403


def test_an_inactive_user_is_nobody(cas, student):  # noqa: F811
    user = student.student.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert student_user(student.uid) is None
