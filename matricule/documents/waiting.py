"""Each registration's `documents_waiting_since`: when the oldest of its documents waiting for
review was sent (None when none waits), so that the review queue reads the oldest files of a
stage from an index instead of walking every document waiting (issue 19).

Kept on every save of a document (a receiver in apps.py: the services' transitions, the desk,
the fixtures alike); `rebuild` sets it again for every registration (a migration, bulk loads).
A deleted document may leave a registration's value behind: the queue reads the documents of
the files it shows, and skips a file with none waiting."""

from django.db.models import Exists, Min, OuterRef, Subquery

from matricule.registration.models import Registration

from .models import Submission


def _oldest_waiting():
    return Subquery(
        Submission.objects.filter(registration=OuterRef("pk"), status=Submission.Status.SUBMITTED)
        .order_by()
        .values("registration")
        .annotate(oldest=Min("submitted_at"))
        .values("oldest")[:1]
    )


def refresh(registration_id: int) -> None:
    """One registration's value, read again from its documents (one UPDATE)."""
    Registration.objects.filter(pk=registration_id).update(documents_waiting_since=_oldest_waiting())


def rebuild() -> int:
    """Every registration's value: those with documents waiting, then the others cleared."""
    waiting = Submission.objects.filter(registration=OuterRef("pk"), status=Submission.Status.SUBMITTED)
    # EXISTS, not IN: a semi-join and an anti-join, whatever the number of documents waiting.
    changed = Registration.objects.filter(Exists(waiting)).update(documents_waiting_since=_oldest_waiting())
    changed += (
        Registration.objects.filter(documents_waiting_since__isnull=False)
        .exclude(Exists(waiting))
        .update(documents_waiting_since=None)
    )
    return changed


def on_submission_saved(sender, instance: Submission, **kwargs) -> None:
    refresh(instance.registration_id)
