"""What a staff member may reach: every "get X for this staff member" of the back office.

An object outside the person's components answers 404, never a hint that it exists; an action
on one they may only read answers 403. The roles and scopes themselves are `accounts.staff`'s."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from matricule.accounts.staff import SAFE_METHODS, in_scope, is_staff_member, scope_queryset
from matricule.backoffice.models import ExportJob
from matricule.documents.models import Submission, Version
from matricule.registration.models import Registration, Student
from matricule.requests.models import Attachment, Request

from .search import students_in_scope

# Where each kind of row finds its component.
REGISTRATION_COMPONENT = "stage__programme__component_id"
REQUEST_COMPONENT = "registration__stage__programme__component_id"
SUBMISSION_COMPONENT = "registration__stage__programme__component_id"


def _found(row):
    """The row looked for, or 404 when there is none, in the person's components or at all."""
    if row is None:
        raise Http404
    return row


# --- Registrations ------------------------------------------------------------------------------


def registrations_for_agent(user):
    return scope_queryset(Registration.objects.all(), user, REGISTRATION_COMPONENT)


def get_registration_for_agent(user, pk: int) -> Registration:
    """The registration if it is in one of the user's components (the document review)."""
    if not is_staff_member(user):
        raise Http404
    return _found(
        registrations_for_agent(user)
        .select_related("student__user", "stage__programme__component", "academic_year", "candidate")
        .filter(pk=pk)
        .first()
    )


def get_desk_registration(request, pk: int) -> Registration:
    """The registration if it is in the agent's components (those they may act in, for a change:
    like `staff_required(write=True)`, the request's method decides)."""
    queryset = Registration.objects.select_related(
        "student__user", "stage__programme__component__university", "academic_year", "candidate"
    )
    queryset = scope_queryset(
        queryset, request.user, REGISTRATION_COMPONENT, write=request.method not in SAFE_METHODS
    )
    return _found(queryset.filter(pk=pk).first())


def get_student_for_staff(user, pk: int) -> Student:
    """The student, if one of their registrations or admissions is in the user's components."""
    return _found(students_in_scope(user, Student.objects.select_related("user")).filter(pk=pk).first())


# --- Supporting documents -----------------------------------------------------------------------


def waiting_submissions(user):
    """Documents waiting for review in the user's components."""
    return scope_queryset(
        Submission.objects.filter(status=Submission.Status.SUBMITTED), user, SUBMISSION_COMPONENT
    )


def get_version_for_agent(user, version_pk: int) -> Version:
    """An uploaded file of a registration in the user's components; a reader (auditor) of the
    component is refused the file itself (minimum exposure: the status is enough to audit)."""
    version = _found(
        Version.objects.select_related("submission__registration__student", "submission__document_type")
        .filter(pk=version_pk)
        .first()
    )
    registration = get_registration_for_agent(user, version.submission.registration_id)  # 404 if not theirs
    if not in_scope(user, registration.stage.programme.component_id, write=True):
        raise PermissionDenied
    return version


# --- Student requests ---------------------------------------------------------------------------


def scoped_requests(user):
    return scope_queryset(Request.objects.all(), user, REQUEST_COMPONENT)


def get_request_for_agent(user, pk: int) -> Request:
    """The request if it belongs to one of the user's components."""
    return _found(
        scoped_requests(user)
        .select_related(
            "student__user",
            "registration__stage__programme__component",
            "registration__academic_year",
            "assigned_to",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )


def get_request_to_act_on(user, pk: int) -> Request:
    """The request, for a user who may act on it: 404 out of scope, 403 for an auditor."""
    student_request = get_request_for_agent(user, pk)
    if not in_scope(user, student_request.registration.stage.programme.component_id, write=True):
        raise PermissionDenied
    return student_request


def get_attachment_for_agent(user, attachment_pk: int) -> Attachment:
    """A file sent with a request of the user's components; refused to its readers (auditors),
    as documents are."""
    attachment = _found(
        Attachment.objects.select_related("request__registration__student").filter(pk=attachment_pk).first()
    )
    student_request = get_request_for_agent(user, attachment.request_id)  # 404 if not theirs
    if not in_scope(user, student_request.registration.stage.programme.component_id, write=True):
        raise PermissionDenied
    return attachment


# --- Exports ------------------------------------------------------------------------------------


def get_export_for_download(user, pk: int) -> ExportJob:
    """A prepared export, for the agent who asked for it only (administrators included)."""
    job = ExportJob.objects.filter(pk=pk, user=user).first()
    if job is None or not job.downloadable:
        raise Http404
    return job
