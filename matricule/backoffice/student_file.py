"""Everything the back office knows about one student, on one page: identity, registrations,
payments, documents, requests, issued documents, and the audit events about them.

One query per kind of thing, whatever the number of registrations; the audit timeline is one
query on (object type, object id) pairs, which the event index covers."""

from dataclasses import dataclass, field

from django.db.models import Q

from matricule.accounts.staff import MANAGE_ROLES, component_ids
from matricule.admissions.models import Candidate
from matricule.audit.models import Event
from matricule.certificates.models import IssuedDocument
from matricule.directory.models import DirectoryAccount
from matricule.documents.models import Submission
from matricule.payments.models import Payment
from matricule.registration.models import Registration, Student
from matricule.requests.models import Request

TIMELINE_LIMIT = 300
# Staff reading the file or opening a document: an access log, kept in the audit log (and for
# the student), not the file's history, which each visit would otherwise push out of its limit.
READING_EVENTS = ("backoffice.student_file.viewed", "documents.file_opened", "requests.attachment_opened")


@dataclass
class RegistrationView:
    registration: Registration
    in_scope: bool  # the staff member's component: link to the review screen
    manage: bool = False  # may cancel and refund (a manager of its component, an administrator)
    act: bool = False  # may send the activation link (an agent of its component)
    activation: bool = False  # registered, and the account has no password yet
    paid_cents: int = 0
    payments: list[Payment] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    issued: list[IssuedDocument] = field(default_factory=list)


@dataclass
class StudentFile:
    student: Student
    candidates: list[Candidate]
    registrations: list[RegistrationView]
    events: list[Event]
    events_truncated: bool
    ine: str = ""
    contacts: dict = field(default_factory=dict)
    directory: DirectoryAccount | None = None  # the ENT account's synchronisation, when there is one
    may_correct_identity: bool = False  # an agent or manager of one of the student's components


def _paid(payments: list[Payment]) -> int:
    kept = (Payment.Status.CONFIRMED, Payment.Status.PARTLY_REFUNDED, Payment.Status.REFUNDED)
    return sum((p.paid_cents or 0) - p.refunded_cents for p in payments if p.status in kept)


def build_student_file(student: Student, user) -> StudentFile:
    ids = component_ids(user)
    registrations = list(
        student.registrations.select_related(
            "academic_year", "stage__programme__component", "candidate"
        ).order_by("-academic_year__starts_on", "-created_at")
    )
    managed = component_ids(user, roles=MANAGE_ROLES)
    acting = component_ids(user, write=True)
    views = {}
    for r in registrations:
        component = r.stage.programme.component_id
        views[r.pk] = RegistrationView(
            registration=r,
            in_scope=ids is None or component in ids,
            manage=r.state != "cancelled" and (managed is None or component in managed),
            act=acting is None or component in acting,
            activation=r.state == "registered" and not student.user.has_usable_password(),
        )
    for payment in (
        Payment.objects.filter(registration__student=student)
        .select_related("recorded_by")
        .order_by("created_at")
    ):
        views[payment.registration_id].payments.append(payment)
    for submission in (
        Submission.objects.filter(registration__student=student)
        .select_related("document_type", "reason", "reviewed_by")
        .order_by("registration_id", "document_type__order", "document_type__code")
    ):
        views[submission.registration_id].submissions.append(submission)
    for document in IssuedDocument.objects.filter(registration__student=student).order_by("issued_at"):
        views[document.registration_id].issued.append(document)
    requests = list(Request.objects.filter(registration__student=student).order_by("created_at"))
    for item in requests:
        views[item.registration_id].requests.append(item)
    for view in views.values():
        view.paid_cents = _paid(view.payments)
    candidates = list(
        Candidate.objects.filter(user_id=student.user_id)
        .select_related("academic_year", "stage")
        .order_by("-academic_year__starts_on")
    )

    # The audit events about the person and every object of theirs, in one query.
    objects = {
        "registration.student": [student.pk],
        "accounts.user": [student.user_id],
        "registration.registration": [r.pk for r in registrations],
        "payments.payment": [p.pk for v in views.values() for p in v.payments],
        "documents.submission": [s.pk for v in views.values() for s in v.submissions],
        "certificates.issueddocument": [d.pk for v in views.values() for d in v.issued],
        "admissions.candidate": [c.pk for c in candidates],
        Request._meta.label_lower: [r.pk for r in requests],
    }
    about = Q()
    for object_type, pks in objects.items():
        if pks:
            about |= Q(object_type=object_type, object_id__in=[str(pk) for pk in pks])
    events = list(
        Event.objects.filter(about)
        .exclude(action__in=READING_EVENTS)
        .select_related("actor")
        .order_by("-created_at", "-pk")[: TIMELINE_LIMIT + 1]
    )

    latest = registrations[0] if registrations else None
    cleaned = latest.cleaned if latest else {}
    ine = (cleaned.get("ine") or {}).get("ine") or next((c.ine for c in candidates if c.ine), "")
    return StudentFile(
        student=student,
        candidates=candidates,
        registrations=list(views.values()),
        events=events[:TIMELINE_LIMIT],
        events_truncated=len(events) > TIMELINE_LIMIT,
        ine=ine,
        contacts=dict(cleaned.get("contacts") or {}),
        directory=DirectoryAccount.objects.filter(student=student).first(),
        may_correct_identity=any(view.act for view in views.values()),
    )
