"""The documents' review queue: the files (registrations) with documents waiting, oldest first,
in the agent's components (issue 19).

A registrar's queue must not slow down as the university grows: the files are read from each
registration's `documents_waiting_since` (kept by documents.waiting) through an index per
stage, at most `count` rows of each of the agent's stages merged, never by walking every
document waiting; how many files wait is counted up to COUNT_CAP ("more than …" beyond)."""

from django.db import connection
from django.db.models import Count, Min

from matricule.accounts.staff import component_ids
from matricule.documents.models import Submission
from matricule.institution.models import Stage
from matricule.registration.models import Registration

QUEUE_LENGTH = 50
# Past this many files, the page says "more than": an exact count would read every file.
COUNT_CAP = 1000

ORDER = ("documents_waiting_since", "id")


def _stages(user, component: int | None = None) -> list[int] | None:
    """The stages of the user's components (a few rows), or of `component` if it is one of
    them; None for all (administrators)."""
    ids = component_ids(user)
    if component is not None and (ids is None or component in ids):
        ids = {component}
    if ids is None:
        return None
    return list(Stage.objects.filter(programme__component_id__in=ids).values_list("pk", flat=True))


def _files(stages: list[int] | None, exclude: int | None = None):
    files = Registration.objects.filter(documents_waiting_since__isnull=False)
    if stages is not None:
        files = files.filter(stage_id__in=stages)
    if exclude is not None:
        files = files.exclude(pk=exclude)
    return files


def oldest_file_ids(
    user, count: int = QUEUE_LENGTH, *, exclude: int | None = None, component: int | None = None
) -> list[int]:
    """The `count` files of the user's components (or of one of them) whose oldest document
    waiting is the oldest, in that order (`exclude`: a file left out, the one being reviewed)."""
    stages = _stages(user, component)
    if stages == []:
        return []
    files = _files(stages, exclude)
    if stages is None or len(stages) == 1 or not connection.features.supports_slicing_ordering_in_compound:
        return list(files.order_by(*ORDER).values_list("id", flat=True)[:count])
    # The oldest `count` of each stage (one index range each), merged: bounded by the number
    # of stages, whatever the number of files (one stage's files alone could be most of them).
    parts = [files.filter(stage_id=stage).order_by(*ORDER).values_list(*ORDER)[:count] for stage in stages]
    rows = parts[0].union(*parts[1:], all=True)
    return [pk for _since, pk in sorted(rows)[:count]]


def count_files(user, component: int | None = None) -> tuple[int, bool]:
    """How many files of the user's components (or of one of them) have documents waiting,
    counted up to COUNT_CAP; and whether there are more."""
    stages = _stages(user, component)
    if stages == []:
        return 0, False
    found = _files(stages).order_by()[: COUNT_CAP + 1].count()
    return min(found, COUNT_CAP), found > COUNT_CAP


def queue_rows(user, count: int = QUEUE_LENGTH, component: int | None = None) -> list[Registration]:
    """The queue's files, each with `waiting` (how many documents wait) and `oldest` (since
    when), read from its documents: a file whose documents changed behind the services' back
    (its `documents_waiting_since` left behind) is skipped."""
    ids = oldest_file_ids(user, count, component=component)
    groups = {
        g["registration_id"]: g
        for g in Submission.objects.filter(registration_id__in=ids, status=Submission.Status.SUBMITTED)
        .values("registration_id")
        .annotate(waiting=Count("id"), oldest=Min("submitted_at"))
    }
    # What the page shows, not the form data the rows also hold.
    registrations = (
        Registration.objects.select_related("student", "stage", "candidate", "review_claim__agent")
        .only(
            "stage__name",
            "student__student_number",
            "candidate__last_name",
            "candidate__first_names",
            "review_claim__agent__first_name",
            "review_claim__agent__last_name",
        )
        .in_bulk(ids)
    )
    rows = []
    for pk in ids:
        if pk in groups and pk in registrations:
            row = registrations[pk]
            row.waiting, row.oldest = groups[pk]["waiting"], groups[pk]["oldest"]
            rows.append(row)
    return rows
