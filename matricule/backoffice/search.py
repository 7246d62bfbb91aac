"""Finding a student in the back office: by name (accents and case ignored), student number,
Parcoursup number, INE or email; only students of the agent's components.

One query finds the matching ids (the name folded in SQL, each identifier as a subquery run
once, the scope as two subqueries run once), capped at MAX_RESULTS; the page's students are
then read by id. So a search costs one pass over the students whatever the page asked."""

import re

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Concat

from matricule.accounts.staff import component_ids
from matricule.admissions.models import Candidate, normalize_email, normalize_parcoursup_number
from matricule.registration.models import Registration, Student

from .folding import Folded, word_pattern, words

MIN_LENGTH = 2
# More matches than this means the search was too vague: the page asks for more letters.
MAX_RESULTS = 500
INE_RE = re.compile(r"^[0-9A-Z]{11}$")


def scope_filter(user) -> Q:
    """Students with a registration, or an admission, in one of the user's components (two
    subqueries the database runs once, not once per student)."""
    ids = component_ids(user)
    if ids is None:
        return Q()
    registered = Registration.objects.filter(stage__programme__component_id__in=ids).values("student_id")
    admitted = Candidate.objects.filter(stage__programme__component_id__in=ids, user__isnull=False).values(
        "user_id"
    )
    return Q(pk__in=registered) | Q(user_id__in=admitted)


def students_in_scope(user, queryset=None):
    queryset = Student.objects.all() if queryset is None else queryset
    ids = component_ids(user)
    if ids is None:
        return queryset
    # For one student (the file): two indexed look-ups beat building the whole scope.
    registered = Registration.objects.filter(student=OuterRef("pk"), stage__programme__component_id__in=ids)
    admitted = Candidate.objects.filter(user=OuterRef("user_id"), stage__programme__component_id__in=ids)
    return queryset.filter(Exists(registered) | Exists(admitted))


def _identifier_match(text: str) -> Q:
    """Everything the text may be an identifier of (student number, Parcoursup number, INE,
    email), each as a subquery on its own table."""
    compact = re.sub(r"\s+", "", text)
    match = Q(student_number__in={compact, compact.upper()})
    if "@" in compact:
        email = normalize_email(compact)
        users = get_user_model().objects.filter(email__iexact=email).values("pk")
        admitted = Candidate.objects.filter(email_lower=email, user__isnull=False).values("user_id")
        typed = Registration.objects.filter(cleaned__contacts__email__iexact=email).values("student_id")
        return match | Q(user_id__in=users) | Q(user_id__in=admitted) | Q(pk__in=typed)
    number = normalize_parcoursup_number(compact)
    if number is not None:
        match |= Q(
            user_id__in=Candidate.objects.filter(parcoursup_number=number, user__isnull=False).values(
                "user_id"
            )
        )
    ine = compact.upper()
    if INE_RE.match(ine):
        match |= Q(pk__in=Registration.objects.filter(cleaned__ine__ine=ine).values("student_id"))
        match |= Q(user_id__in=Candidate.objects.filter(ine=ine, user__isnull=False).values("user_id"))
    return match


def search_student_ids(text: str, user) -> list[int] | None:
    """The ids of the students of the user's components matching `text`, in name order, at
    most MAX_RESULTS + 1; None when the text is too short to search."""
    text = (text or "").strip()
    if len(text) < MIN_LENGTH:
        return None
    queryset = Student.objects.filter(scope_filter(user))
    match = _identifier_match(text)
    name_words = words(text)
    # Names have no digits and no "@": an identifier is not also looked for among the names
    # (which would fold every name of the scope for nothing).
    if name_words and not any(ch.isdigit() or ch == "@" for ch in text):
        # Every word typed must appear in the name (either order, any part of a compound name).
        name = Concat(
            "last_name",
            Value(" "),
            "first_names",
            Value(" "),
            "user__last_name",
            Value(" "),
            "user__first_name",
            output_field=CharField(),
        )
        name_match = Q()
        if connection.vendor == "postgresql":
            # The names as stored, against a pattern of every spelling of each word (folding.py).
            queryset = queryset.annotate(search_name=name)
            for word in name_words:
                name_match &= Q(search_name__iregex=word_pattern(word))
        else:
            queryset = queryset.annotate(search_name=Folded(name))
            for word in name_words:
                name_match &= Q(search_name__contains=word)
        match |= name_match
    return list(
        queryset.filter(match)
        .order_by("last_name", "first_names", "pk")
        .values_list("pk", flat=True)[: MAX_RESULTS + 1]
    )


def search_students(text: str, user):
    """The matching students as a queryset (name order); None when the text is too short."""
    ids = search_student_ids(text, user)
    if ids is None:
        return None
    return Student.objects.filter(pk__in=ids[:MAX_RESULTS]).order_by("last_name", "first_names", "pk")
