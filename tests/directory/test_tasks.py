"""The directory's background work (tasks.py): `queue_sync` marks the account pending and queues
its synchronisation after the commit, nothing for a student without an account when only existing
ones are asked for; and the sweep that takes failures up again is a recurring job."""

import datetime

from matricule.directory import tasks
from matricule.directory.models import DirectoryAccount
from matricule.scheduling.registry import JOBS


def test_the_sweep_is_a_recurring_job():
    assert JOBS["directory.sync_due"].every == datetime.timedelta(minutes=1)


def test_a_queued_sync_runs_after_the_commit(
    directory, register, settings, django_capture_on_commit_callbacks
):
    settings.MATRICULE_LDAP_URL = ""  # registered before the directory was configured
    registration = register()
    settings.MATRICULE_LDAP_URL = directory.url
    student_id = registration.student_id

    with django_capture_on_commit_callbacks() as callbacks:
        assert not tasks.queue_sync(student_id, only_existing=True)  # no account yet
    assert callbacks == []
    assert not DirectoryAccount.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.queue_sync(student_id)
    assert DirectoryAccount.objects.get().state == DirectoryAccount.State.PENDING
    assert directory.entries("(objectClass=supannPerson)") == []  # not before the commit
    [callback] = callbacks
    callback()  # the commit: the task runs at once (immediate_tasks)

    account = DirectoryAccount.objects.get()
    assert account.state == DirectoryAccount.State.SYNCED
    assert directory.entry(f"(supannEtuId={registration.student.student_number})").entry_dn == account.dn


def test_without_a_directory_nothing_is_queued(register, settings, django_capture_on_commit_callbacks):
    settings.MATRICULE_LDAP_URL = ""
    registration = register()
    with django_capture_on_commit_callbacks() as callbacks:
        assert not tasks.queue_sync(registration.student_id)
    assert callbacks == []


def test_the_task_returns_the_outcome(directory, register):
    registration = register()
    assert tasks.sync_account.call(registration.student_id) == "synced"
