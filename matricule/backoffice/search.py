"""Finding a student in the back office: by name (accents and case ignored), student number,
Parcoursup number, INE or email; only students of the agent's components.

One query finds the matching ids: the ids of each way the text may match (each identifier, the
name) as one UNION, each part answered by an index on PostgreSQL (trigrams on the folded names
stored in `search_name`, the emails as compared, the INE and numbers); then the agent's scope
is checked on those students only, in name order, until MAX_RESULTS + 1 are found; the page's
students are then read by id. So a search costs what it finds, not a pass over every student
(issue 19)."""

import functools
import re

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Concat, Upper

from matricule.accounts.staff import component_ids
from matricule.admissions.models import Candidate, normalize_email, normalize_parcoursup_number
from matricule.institution.models import Stage
from matricule.registration.models import Registration, Student

from .folding import Folded, fold, word_pattern, words

MIN_LENGTH = 2
# More matches than this means the search was too vague: the page asks for more letters.
MAX_RESULTS = 500
# Matches checked against the agent's components this many at a time (see search_student_ids).
SCOPE_CHUNK = 600
INE_RE = re.compile(r"^[0-9A-Z]{11}$")


def students_in_scope(user, queryset=None):
    queryset = Student.objects.all() if queryset is None else queryset
    ids = component_ids(user)
    if ids is None:
        return queryset
    # Two indexed look-ups per student (the file, or the students a search found) beat building
    # the whole scope. On PostgreSQL the stages of the components are read first (a few rows),
    # so that each look-up is one index scan without joins; SQLite, given a list of stages,
    # would look the registrations up by stage rather than by student.
    if connection.vendor == "postgresql":
        stages = list(Stage.objects.filter(programme__component_id__in=ids).values_list("pk", flat=True))
        in_scope = {"stage_id__in": stages}
    else:
        in_scope = {"stage__programme__component_id__in": ids}
    registered = Registration.objects.filter(student=OuterRef("pk"), **in_scope)
    admitted = Candidate.objects.filter(user=OuterRef("user_id"), **in_scope)
    return queryset.filter(Exists(registered) | Exists(admitted))


def _json_text(path: str, *, upper: bool = False) -> Func:
    """PostgreSQL: the text at `path` of the registration's validated data, as the search
    indexes hold it (`cleaned #>> '{…}'`, upper-cased for emails), written without parameters
    so that the planner recognises the indexed expression."""
    sql = "(%(expressions)s #>> '{" + path + "}')"
    return Func(F("cleaned"), template=f"UPPER({sql})" if upper else sql, output_field=CharField())


def _identifier_ids(text: str) -> list:
    """Everything the text may be an identifier of (student number, Parcoursup number, INE,
    email): one query of student ids per identifier, each answered by an index."""
    compact = re.sub(r"\s+", "", text)
    postgresql = connection.vendor == "postgresql"
    found = [Student.objects.filter(student_number__in={compact, compact.upper()}).values("pk")]
    if "@" in compact:
        email = normalize_email(compact)
        users = get_user_model().objects.filter(email__iexact=email).values("pk")
        admitted = Candidate.objects.filter(email_lower=email, user__isnull=False).values("user_id")
        if postgresql:
            typed = Registration.objects.alias(typed=_json_text("contacts,email", upper=True)).filter(
                typed=Upper(Value(email))
            )
        else:
            typed = Registration.objects.filter(cleaned__contacts__email__iexact=email)
        return found + [
            Student.objects.filter(user_id__in=users).values("pk"),
            Student.objects.filter(user_id__in=admitted).values("pk"),
            typed.values("student_id"),
        ]
    number = normalize_parcoursup_number(compact)
    if number is not None:
        admitted = Candidate.objects.filter(parcoursup_number=number, user__isnull=False).values("user_id")
        found.append(Student.objects.filter(user_id__in=admitted).values("pk"))
    ine = compact.upper()
    if INE_RE.match(ine):
        if postgresql:
            typed = Registration.objects.alias(typed=_json_text("ine,ine")).filter(typed=ine)
        else:
            typed = Registration.objects.filter(cleaned__ine__ine=ine)
        admitted = Candidate.objects.filter(ine=ine, user__isnull=False).values("user_id")
        found += [typed.values("student_id"), Student.objects.filter(user_id__in=admitted).values("pk")]
    return found


@functools.cache
def _trigram_indexes(alias: str) -> bool:
    """Whether the database has the trigram indexes on the folded names (PostgreSQL with
    pg_trgm: the `search_name` migrations); read once per process."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_indexes WHERE indexname IN "
            "('registration_student_search_name_trgm', 'accounts_user_search_name_trgm')"
        )
        return cursor.fetchone()[0] == 2


def _name_ids(name_words: list[str]) -> list:
    """The students whose name has every word typed (either order, any part of a compound name):
    the student's birth name and first names, and the account's names, as one text. (Where the
    trigram indexes answer, `_name_rows` does the same faster.)"""
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
    if connection.vendor != "postgresql":
        match = Q()
        for word in name_words:
            match &= Q(names__contains=word)
        return [Student.objects.annotate(names=Folded(name)).filter(match).values("pk")]
    # The names as stored, against a pattern of every spelling of each word (folding.py).
    match = Q()
    for word in name_words:
        match &= Q(names__iregex=word_pattern(word))
    return [Student.objects.annotate(names=name).filter(match).values("pk")]


def _by_trigrams(name_words: list[str]) -> bool:
    return (
        connection.vendor == "postgresql"
        and len(max(name_words, key=len)) >= 3  # trigrams need three letters
        and _trigram_indexes(connection.alias)
    )


def _name_rows(name_words: list[str]) -> set[tuple[str, int]]:
    """PostgreSQL with trigrams: (folded names, id) of the students whose names (their own or
    their account's) hold every word. A word lies within one of the four names (it has no
    space), so the students whose own names, or whose account's, hold the longest word are
    read (`search_name`, the names folded and stored, each table through its trigram index, no
    join), then the other words checked on those few rows' stored names."""
    longest = max(name_words, key=len)
    users = get_user_model().objects
    by_account = set(users.filter(search_name__contains=longest).values_list("pk", flat=True))
    fields = ("user_id", "search_name", "pk")
    found = list(Student.objects.filter(search_name__contains=longest).values_list(*fields))
    # Found by their account's names only (the same names as their own, mostly: few rows).
    others = by_account - {user_id for user_id, _name, _pk in found}
    if others:
        found += Student.objects.filter(user_id__in=others).values_list(*fields)
    rest = [word for word in name_words if word != longest]
    if rest:
        accounts = dict(users.filter(pk__in=[row[0] for row in found]).values_list("pk", "search_name"))
        found = [
            row for row in found if all(word in f"{row[1]} {accounts.get(row[0]) or ''}" for word in rest)
        ]
    return {(name, pk) for _user_id, name, pk in found}


def search_student_ids(text: str, user) -> list[int] | None:
    """The ids of the students of the user's components matching `text`, in name order (folded,
    as `search_name` holds it), at most MAX_RESULTS + 1; None when the text is too short."""
    text = (text or "").strip()
    if len(text) < MIN_LENGTH:
        return None
    found = _identifier_ids(text)
    name_words = words(text)
    rows = set()
    # Names have no digits and no "@": an identifier is not also looked for among the names
    # (which would fold every name of the scope for nothing).
    if name_words and not any(ch.isdigit() or ch == "@" for ch in text):
        if _by_trigrams(name_words):
            rows = _name_rows(name_words)
        else:
            found += _name_ids(name_words)
    matching = found[0].union(*found[1:]) if len(found) > 1 else found[0]
    rows.update(Student.objects.filter(pk__in=matching).values_list("search_name", "pk"))
    # search_name is folded by the database on PostgreSQL only (modelkit.FoldedNames).
    stored = connection.vendor == "postgresql"
    candidates = [
        pk
        for _name, pk in sorted(
            rows, key=lambda row: (row[0] or "" if stored else fold(row[0] or ""), row[1])
        )
    ]
    if component_ids(user) is None:
        return candidates[: MAX_RESULTS + 1]
    # The access check, on the matches in name order, a chunk at a time until the page is full:
    # a common name's thousands of matches are not each checked to show the first 500.
    ids = []
    for start in range(0, len(candidates), SCOPE_CHUNK):
        chunk = candidates[start : start + SCOPE_CHUNK]
        allowed = set(
            students_in_scope(user, Student.objects.filter(pk__in=chunk)).values_list("pk", flat=True)
        )
        ids += [pk for pk in chunk if pk in allowed]
        if len(ids) > MAX_RESULTS:
            break
    return ids[: MAX_RESULTS + 1]


def search_students(text: str, user):
    """The matching students as a queryset (name order); None when the text is too short."""
    ids = search_student_ids(text, user)
    if ids is None:
        return None
    return Student.objects.filter(pk__in=ids[:MAX_RESULTS]).order_by("last_name", "first_names", "pk")
