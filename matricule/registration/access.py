"""What a signed-in student may reach: their admission, their student record, their own
registrations and what hangs from them (documents, payments, requests...). Anything else is a
404, never a hint. Every student page finds its objects through these helpers."""

from django.db.models import Model, QuerySet
from django.http import Http404

from matricule.admissions.models import Candidate
from matricule.institution import reference
from matricule.prepared import PreparedQuery
from matricule.rows import unique_row

from .models import Registration, Student

_CANDIDATE = PreparedQuery(
    lambda user_id, year_id: Candidate.objects.filter(user_id=user_id, academic_year_id=year_id).order_by(
        "pk"
    )[:1]
)


def candidate_of(user) -> Candidate | None:
    """The person's admission for the current campaign, if any (reference data not attached)."""
    year = reference.current_year()
    if year is None or not user.is_authenticated:
        return None
    return _CANDIDATE.one(user.pk, year.pk)


def get_candidate_for(request) -> Candidate:
    """The signed-in person's admission for the current campaign."""
    candidate = candidate_of(request.user)
    if candidate is None:
        raise Http404
    return reference.attach(candidate)


def get_student_for(request) -> Student:
    """The signed-in person's student record."""
    student = Student.objects.select_related("user").filter(user=request.user).first()
    if student is None:
        raise Http404
    return student


# Read on nearly every request of a student: compiled once per connection (prepared.py).
_OWN_REGISTRATION = PreparedQuery(
    lambda pk, user_id: (
        Registration.objects.select_related("candidate", "student")
        .filter(pk=pk, student__user_id=user_id)
        .order_by()[:1]
    )
)


def get_registration_for(request, pk: int) -> Registration:
    """The registration if it is the signed-in student's own."""
    if not request.user.is_authenticated:
        raise Http404
    registration = _OWN_REGISTRATION.one(int(pk), request.user.pk)
    if registration is None:
        raise Http404
    registration.student.user = request.user  # the signed-in user, loaded already: no join for it
    return reference.attach(registration)  # stage, programme, component, year: reference data


def get_owned(queryset: QuerySet, registration: Registration, pk: int, *, via: str = "registration") -> Model:
    """One object of the student's own registration (a submission, a payment, a request, a file
    of one of these): `via` is the path from the object to its registration."""
    found = unique_row(queryset.filter(pk=pk, **{via: registration}))
    if found is None:
        raise Http404
    return found
