"""The ENT account row (models.py): named by its uid once known, in the directory once it has a
DN; a uid belongs to one student, while any number of accounts wait without one."""

import pytest
from django.db import IntegrityError, transaction

from matricule.directory.models import DirectoryAccount
from matricule.registration.models import Student


@pytest.fixture
def students(db, django_user_model):
    return [
        Student.objects.create(
            user=django_user_model.objects.create(username=f"s{n}"), student_number=f"2400{n}"
        )
        for n in range(3)
    ]


def test_an_account_is_named_by_its_uid_and_exists_once_it_has_a_dn(students):
    account = DirectoryAccount.objects.create(student=students[0])
    assert str(account) == f"student {students[0].pk}"
    assert account.state == DirectoryAccount.State.PENDING
    assert not account.exists_in_directory

    account.uid, account.dn = "e24000", "uid=e24000,ou=people,dc=univ,dc=example"
    account.save()
    assert str(account) == "e24000"
    assert account.exists_in_directory


def test_a_uid_is_one_students_and_accounts_without_one_are_many(students):
    DirectoryAccount.objects.create(student=students[0])
    DirectoryAccount.objects.create(student=students[1])  # two without a uid yet
    DirectoryAccount.objects.filter(student=students[0]).update(uid="e1")
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectoryAccount.objects.create(student=students[2], uid="e1")
