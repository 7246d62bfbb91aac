"""Requirements, uploads and the registrar's review of supporting documents. A document's status
changes only through the named transitions below (`submit`, `validate`, `refuse`), as
`states.TRANSITIONS` allows; rows are created with their first status (`sync_submissions`)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from matricule.audit.services import record
from matricule.registration.models import Kind, Registration, State

from . import states
from .models import Condition, DocumentType, Requirement, ReviewClaim, Submission, Version

CLAIM_MINUTES = 15


class DocumentError(Exception):
    pass


class UploadLimited(DocumentError):
    """Over a per-student cap: `code` "versions" (this document) or "hourly" (all documents)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def check_upload_caps(submission: Submission) -> None:
    """The caps on what one student may send, checked before any work on the file."""
    sent = Version.objects.filter(submission_id=submission.pk).count()
    if sent >= settings.MATRICULE_UPLOAD_MAX_VERSIONS:
        raise UploadLimited("versions", count=sent)
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    recent = Version.objects.filter(
        submission__registration_id=submission.registration_id, uploaded_at__gt=hour_ago
    ).order_by("uploaded_at")
    if recent.count() >= settings.MATRICULE_UPLOADS_PER_HOUR:
        oldest = recent.values_list("uploaded_at", flat=True).first()
        wait = oldest + datetime.timedelta(hours=1) - timezone.now()
        raise UploadLimited("hourly", minutes=max(1, -(-int(wait.total_seconds()) // 60)))


def conditions_met(registration: Registration) -> set[str]:
    cleaned = registration.cleaned
    social = cleaned.get("social", {})
    met = {Condition.ALWAYS}
    from matricule.registration.steps import cvec_concerned

    if cvec_concerned(registration):
        met.add(Condition.CVEC_CONCERNED)
    if social.get("grant", "none") != "none":
        met.add(Condition.GRANT_HOLDER)
    if social.get("pupille") == "yes":
        met.add(Condition.PUPILLE)
    if social.get("athlete") == "yes":
        met.add(Condition.ATHLETE)
    if social.get("accommodation") == "yes":
        met.add(Condition.ACCOMMODATION)
    if cleaned.get("baccalaureate", {}).get("kind") == "equivalent":
        met.add(Condition.EQUIVALENT_DIPLOMA)
    else:
        met.add(Condition.FRENCH_BAC)
    return met


def required_types(registration: Registration) -> list[DocumentType]:
    """The document types the year's rules require of this registration, in display order."""
    met = conditions_met(registration)
    ids = set(
        Requirement.objects.filter(academic_year=registration.academic_year, condition__in=met).values_list(
            "document_type_id", flat=True
        )
    )
    return list(DocumentType.objects.filter(pk__in=ids).order_by("order", "code"))


def still_valid(registration: Registration, document_type: DocumentType) -> Submission | None:
    """The student's document of this type validated for an earlier registration and still
    valid at the start of this registration's year, unless the type is asked every year."""
    if document_type.renew_every_year:
        return None
    return _still_valid_by_type(registration, [document_type]).get(document_type.pk)


def main_registration_of(registration: Registration) -> Registration | None:
    """For an additional registration: the main one of the same year, whose documents it shares."""
    if registration.kind != Kind.ADDITIONAL:
        return None
    return (
        Registration.objects.filter(
            student_id=registration.student_id, academic_year_id=registration.academic_year_id
        )
        .exclude(kind=Kind.ADDITIONAL)
        .exclude(state=State.CANCELLED)
        .order_by("pk")
        .first()
    )


def sync_submissions(registration: Registration) -> list[Submission]:
    """One row per required document (called when the registration is registered). A document
    still valid from an earlier year is carried over, validated; an additional registration
    shares the documents of the main one and has none of its own. A few queries whatever the
    number of documents: it runs in the request that registers the student."""
    if registration.kind == Kind.ADDITIONAL:
        return []
    have = set(registration.submissions.values_list("document_type_id", flat=True))
    wanted = [t for t in required_types(registration) if t.pk not in have]
    earlier = _still_valid_by_type(registration, [t for t in wanted if not t.renew_every_year])
    rows = []
    for document_type in wanted:
        previous = earlier.get(document_type.pk)
        if previous is None:
            rows.append(Submission(registration=registration, document_type=document_type))
        else:
            rows.append(
                Submission(
                    registration=registration,
                    document_type=document_type,
                    status=Submission.Status.VALIDATED,
                    carried_from=previous,
                    valid_until=previous.valid_until,
                    submitted_at=previous.submitted_at,
                    reviewed_at=previous.reviewed_at,
                    reviewed_by_id=previous.reviewed_by_id,
                )
            )
    # ignore_conflicts: a concurrent call (browser return and bank notification) made them first.
    Submission.objects.bulk_create(rows, ignore_conflicts=True)
    for row in rows:
        if row.carried_from_id:
            record(
                "documents.carried_over",
                obj=registration,
                document_type=row.document_type.code,
                earlier=row.carried_from_id,
            )
    return list(registration.submissions.select_related("document_type"))


def _still_valid_by_type(registration: Registration, document_types) -> dict:
    """still_valid() for several types in one query: the latest validated one of each type."""
    if not document_types:
        return {}
    starts = registration.academic_year.starts_on
    rows = (
        Submission.objects.filter(
            registration__student_id=registration.student_id,
            document_type__in=document_types,
            status=Submission.Status.VALIDATED,
        )
        .exclude(registration=registration)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=starts))
        .order_by("document_type_id", "-reviewed_at", "-pk")
    )
    latest = {}
    for row in rows:
        latest.setdefault(row.document_type_id, row)
    return latest


def upload(submission: Submission, data, *, actor) -> Version:
    """Check the file by its content, then `submit` it. A validated document cannot be replaced."""
    from .checks import UploadRefused
    from .screening import screen_upload

    check_upload_caps(submission)
    try:
        checked = screen_upload(data)
    except UploadRefused as refusal:
        record("documents.upload_refused", actor=actor, obj=submission, code=refusal.code)
        raise
    return submit(submission, checked, actor=actor)


def claim(registration: Registration, agent) -> bool:
    """Take the registration for review (or keep it 15 more minutes); False when another agent
    holds a live claim. One conditional UPDATE in the usual case (the agent's own claim, kept
    at each decision); the unique registration settles two agents taking a file at once."""
    now = timezone.now()
    expires = now + datetime.timedelta(minutes=CLAIM_MINUTES)
    claims = ReviewClaim.objects.filter(registration=registration)
    if claims.filter(Q(agent=agent) | Q(expires_at__lte=now)).update(agent=agent, expires_at=expires):
        return True
    if claims.exists():
        return False  # another agent's, still live
    try:
        with transaction.atomic():
            ReviewClaim.objects.create(registration=registration, agent=agent, expires_at=expires)
    except IntegrityError:
        return False  # another agent took it in between
    return True


def release(registration: Registration, agent) -> None:
    ReviewClaim.objects.filter(registration=registration, agent=agent).delete()


def decide(
    submission: Submission, *, agent, validate: bool, reason=None, comment: str = "", valid_until=None
) -> Submission:
    """The review screen's decision: `validate` or `refuse` the document."""
    if validate:
        return _validate(submission, agent=agent, valid_until=valid_until)
    return refuse(submission, agent=agent, reason=reason, comment=comment)


# --- Transitions: each locks the document, re-reads it, checks the table, acts once, audits ------


def _lock(submission: Submission, *, with_registration: bool = False) -> Submission:
    rows = Submission.objects.select_for_update()
    if with_registration:
        # The registration's row too: two last documents validated at the same moment wait for each
        # other, so the second sees the file complete and the student is told once. Read with its
        # stage (the audit's component) and document type, which are not locked: every decision
        # on a stage or a kind of document would wait for the others.
        rows = Submission.objects.select_for_update(of=("self", "registration")).select_related(
            "registration__stage__programme", "document_type"
        )
    return rows.get(pk=submission.pk)


def _move(locked: Submission, wanted: str, refusal: str) -> None:
    """The one place a document's status is written, as the table allows; the caller saves."""
    try:
        states.check(locked.status, wanted)
    except states.TransitionError as error:
        raise DocumentError(refusal) from error
    locked.status = wanted


def submit(submission: Submission, checked, *, actor) -> Version:
    """Missing, refused or waiting → submitted: a file already checked (`upload`) stored under a
    server-made name as a new version, and the document put in the review queue."""
    from .screening import store

    with transaction.atomic():
        locked = _lock(submission)
        _move(locked, Submission.Status.SUBMITTED, "validated")  # before storing the file
        # Again under the document's lock: two uploads sent together cannot pass the cap.
        if Version.objects.filter(submission_id=locked.pk).count() >= settings.MATRICULE_UPLOAD_MAX_VERSIONS:
            raise UploadLimited("versions", count=settings.MATRICULE_UPLOAD_MAX_VERSIONS)
        version = store(Version(submission=locked), checked)
        locked.submitted_at = timezone.now()
        locked.reason, locked.comment = None, ""
        locked.save()
        record("documents.uploaded", actor=actor, obj=locked, version=version.pk)
    return version


def _review(
    submission: Submission, decision: str, *, agent, reason=None, comment: str = "", valid_until=None
) -> Submission:
    """Submitted → validated or refused (`decision`), by `agent`: the document locked with its
    registration, the decision kept on it and audited. A refusal needs a reason or a comment.
    Called in the caller's transaction."""
    locked = _lock(submission, with_registration=True)
    _move(locked, decision, "not waiting")
    if decision == Submission.Status.REFUSED and reason is None and not comment:
        raise DocumentError("reason required")
    locked.reason, locked.comment, locked.valid_until = reason, comment, valid_until
    locked.reviewed_by, locked.reviewed_at = agent, timezone.now()
    locked.save()
    record(
        f"documents.{decision}",
        actor=agent,
        obj=locked,
        document=locked.document_type.code,
        reason=str(reason or ""),
        comment=comment,
        valid_until=valid_until.isoformat() if valid_until else "",
    )
    return locked


def validate(submission: Submission, *, agent, valid_until=None) -> Submission:
    """Submitted → validated; audited; when the file is then complete, the student is told.
    `valid_until`: the expiry printed on an identity document, so that a later year asks for it
    again only once it has expired."""
    from matricule.notifications.services import send_documents_complete_email

    with transaction.atomic():
        locked = _review(submission, Submission.Status.VALIDATED, agent=agent, valid_until=valid_until)
        registration = locked.registration
        if documents_complete(registration):
            record("documents.complete", actor=agent, obj=registration)
            # Written to the outbox in this transaction, sent once it commits (notifications).
            send_documents_complete_email(registration)
    return locked


_validate = validate  # decide() takes a flag of the same name


def refuse(submission: Submission, *, agent, reason=None, comment: str = "") -> Submission:
    """Submitted → refused, for a reason from the list or a comment (one of them is needed);
    audited; the student is told."""
    from matricule.notifications.services import send_document_refused_email

    comment = (comment or "").strip()
    with transaction.atomic():
        locked = _review(submission, Submission.Status.REFUSED, agent=agent, reason=reason, comment=comment)
        send_document_refused_email(locked)
    return locked


def documents_complete(registration: Registration, submissions=None) -> bool:
    """Whether every document of the file is validated (`submissions`: the registration's own,
    when the caller has them loaded already)."""
    main = main_registration_of(registration)
    if main is not None:
        return documents_complete(main)
    if submissions is not None:
        statuses = [submission.status for submission in submissions]
    else:
        statuses = list(registration.submissions.values_list("status", flat=True))
    return bool(statuses) and all(s == Submission.Status.VALIDATED for s in statuses)


def document_status(registration: Registration) -> str:
    """'complete', 'refused' (some refused), 'waiting' (some waiting review) or 'missing'."""
    main = main_registration_of(registration)
    if main is not None:
        return document_status(main)
    statuses = set(registration.submissions.values_list("status", flat=True))
    if statuses and statuses == {Submission.Status.VALIDATED}:
        return "complete"
    if Submission.Status.REFUSED in statuses:
        return "refused"
    if Submission.Status.MISSING in statuses:
        return "missing"
    return "waiting"
