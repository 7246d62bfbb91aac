"""The directory's background work: one student's entry written by the task queue."""

from django.db import transaction

from matricule.compat import task

from . import services


@task()
def sync_account(student_id: int) -> str:
    """Safe to run twice (services.sync writes the whole entry); a failure is recorded on the
    account and retried by the sweep, never raised."""
    return services.sync(student_id)


def queue_sync(student_id: int, *, only_existing: bool = False) -> bool:
    """Mark the account pending and queue its synchronisation once the transaction commits."""
    if not services.request_sync(student_id, only_existing=only_existing):
        return False
    transaction.on_commit(lambda: sync_account.enqueue(student_id))
    return True
