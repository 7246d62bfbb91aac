"""Finding a student (`search.py`): by name (accents and case ignored), by each identifier, and
only in the agent's components. The folding of names: test_folding.py; the page: test_views.py."""

import pytest

from matricule.backoffice.search import search_students
from matricule.registration.models import Student

from .conftest import make_registrations


def found(text, user):
    result = search_students(text, user)
    return [] if result is None else list(result)


@pytest.mark.parametrize(
    "text", ["chloe", "CHLOE", "Chloé", "chloé lefevre", "LEFEVRE", "lefèvre chloe", "lef", "  chloe  "]
)
def test_name_ignores_accents_case_and_order(chloe, iut_agent, text):
    assert found(text, iut_agent) == [chloe]


def test_every_word_must_match(chloe, iut_agent):
    assert found("chloe martin", iut_agent) == []


def test_compound_names_match_with_or_without_hyphen_or_apostrophe(demo, iut_agent):
    year = demo.current_year
    [registration] = make_registrations(
        "GEII-1", 1, "draft", year, last_name="N'DIAYE", first_names="Jean-Hervé Éloïse"
    )
    student = registration.student
    for text in ("ndiaye", "n diaye", "N'Diaye", "n’diaye", "jean herve", "jean-hervé", "eloise", "ÉLOÏSE"):
        expected = [] if text == "ndiaye" else [student]
        assert found(text, iut_agent) == expected, text


def test_ligatures(demo, iut_agent):
    [registration] = make_registrations(
        "GEII-1", 1, "draft", demo.current_year, last_name="LŒUILLET", first_names="Ægidius"
    )
    assert found("loeuillet aegidius", iut_agent) == [registration.student]


def test_student_number(chloe, iut_agent):
    assert found("26000042", iut_agent) == [chloe]
    assert found(" 26000042 ", iut_agent) == [chloe]


def test_parcoursup_number_in_any_form(chloe, demo_candidates, iut_agent):
    number = demo_candidates["accepted"].parcoursup_number
    for text in (number, f"P{number}", f"p{number}", f"0{number}"):
        assert found(text, iut_agent) == [chloe], text


def test_ine_from_the_registration_or_the_admission(chloe, iut_agent, demo_candidates):
    # The registration's validated INE (typed in lower case in the form, stored in capitals).
    assert found("0494004062M", iut_agent) == [chloe]
    assert found("0494004062m", iut_agent) == [chloe]
    candidate = demo_candidates["accepted"]
    candidate.ine = "1234567890A"
    candidate.save()
    assert found("1234567890a", iut_agent) == [chloe]


def test_email_of_the_account_the_admission_or_the_form(chloe, iut_agent, demo_candidates):
    assert found(chloe.user.email.upper(), iut_agent) == [chloe]
    assert found(demo_candidates["accepted"].email, iut_agent) == [chloe]
    assert found("Chloe.Lefevre@example.org", iut_agent) == [chloe]  # typed in the contacts step
    assert found("nobody@example.org", iut_agent) == []


def test_scope_agent_of_another_component_finds_nothing(chloe, other_agent, administrator):
    assert found("chloe", other_agent) == []
    assert found("26000042", other_agent) == []
    assert found("chloe", administrator) == [chloe]


def test_scope_through_an_admission_without_registration(demo, demo_candidates, other_agent, iut_agent):
    """A student registered elsewhere but admitted in the agent's component is theirs too."""
    [registration] = make_registrations("INFO-1", 1, "draft", demo.current_year, last_name="Zébulon")
    candidate = demo_candidates["accepted"]  # GEII-1, IUT de Chartres
    candidate.user = registration.student.user
    candidate.save()
    assert found("zebulon", other_agent) == [registration.student]
    assert found("zebulon", iut_agent) == [registration.student]


def test_too_short(chloe, iut_agent):
    assert search_students("c", iut_agent) is None
    assert search_students("", iut_agent) is None


def test_the_names_of_the_account_are_searched_too(demo, iut_agent, django_user_model):
    """A word may be in the student's names or in the account's (a word split between them is
    found as before: each word in any of the four names)."""
    [registration] = make_registrations("GEII-1", 1, "draft", demo.current_year, last_name="", first_names="")
    user = registration.student.user
    user.last_name, user.first_name = "Bénédicte", "Ôtis"
    user.save()
    assert found("benedicte otis", iut_agent) == [registration.student]
    student = registration.student
    student.last_name = "Quérard"
    student.save()
    assert found("querard otis", iut_agent) == [student]
    assert found("querard zorro", iut_agent) == []


def test_the_longest_word_need_not_be_first_nor_the_only_one(demo, iut_agent):
    [registration] = make_registrations(
        "GEII-1", 1, "draft", demo.current_year, last_name="Ly", first_names="Anne-Sophie"
    )
    assert found("ly sophie", iut_agent) == [registration.student]
    assert found("ly", iut_agent) == [registration.student]
    assert found("ly sophia", iut_agent) == []


def test_a_name_with_like_wildcards_is_not_a_pattern(demo, iut_agent):
    make_registrations("GEII-1", 1, "draft", demo.current_year, last_name="Martin", first_names="Léo")
    assert found("mar%in", iut_agent) == []
    assert found("mar_in", iut_agent) == []


def _plan(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _postgresql_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the search indexes are PostgreSQL's")


def test_the_search_indexes_exist_on_postgresql(db):
    _postgresql_only()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE ANY (%s)",
            [["%trgm", "%upper", "registration_%", "candidate_%"]],
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "registration_student_search_name_trgm",
        "accounts_user_search_name_trgm",
        "accounts_user_email_upper",
        "registration_contact_email",
        "registration_ine",
        "candidate_email",
        "candidate_parcoursup_number",
        "candidate_ine",
    } <= names


def test_each_search_reads_its_indexes_on_postgresql(db, django_user_model):
    """The plans name the indexes (planner costs made to prefer them on a nearly empty table,
    as they are preferred on a large one)."""
    _postgresql_only()
    from django.db import connection

    from matricule.backoffice import search

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        # Each half of the name search reads the stored folded names. (The search's own query
        # also joins the account, and on nearly empty tables the planner may walk that join
        # instead: the column is what must match the index, whatever the table sizes.)
        students = Student.objects.filter(search_name__contains="lefevre")
        assert "registration_student_search_name_trgm" in _plan(students)
        assert search._name_ids(["lefevre", "chloe"])  # the same columns, and the full check
        accounts = django_user_model.objects.filter(search_name__contains="lefevre")
        assert "accounts_user_search_name_trgm" in _plan(accounts)
        by_email = [_plan(q) for q in search._identifier_ids("Chloe.Lefevre@example.org")]
        assert "accounts_user_email_upper" in by_email[1] and "registration_contact_email" in by_email[3]
        assert "candidate_email" in by_email[2]
        by_ine = [_plan(q) for q in search._identifier_ids("0494004062M")]
        assert any("registration_ine" in plan for plan in by_ine)
        assert any("candidate_ine" in plan for plan in by_ine)
        by_number = [_plan(q) for q in search._identifier_ids("P240012345")]
        assert any("candidate_parcoursup_number" in plan for plan in by_number)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")


def test_matches_are_checked_against_the_scope_in_name_order_a_chunk_at_a_time(demo, iut_agent, monkeypatch):
    """Only as many matches are checked as fill the page: in name order (accents ignored), a
    chunk at a time, those of other components left out; more than MAX_RESULTS says so."""
    from matricule.backoffice import search

    year = demo.current_year
    ours = [
        make_registrations("GEII-1", 1, "draft", year, last_name=name, first_names="Maëlys")[0].student
        for name in ("Zola", "Étienne", "Abel", "Durand")
    ]
    theirs = make_registrations("INFO-1", 3, "draft", year, last_name="Bernard", first_names="Maëlys")
    monkeypatch.setattr(search, "SCOPE_CHUNK", 2)
    monkeypatch.setattr(search, "MAX_RESULTS", 2)
    checked = []
    in_scope = search.students_in_scope

    def counting(user, queryset=None):
        checked.append(queryset.count())
        return in_scope(user, queryset)

    monkeypatch.setattr(search, "students_in_scope", counting)
    abel, durand, etienne = ours[2], ours[3], ours[1]
    # Abel, Bernard ×3, Durand, Étienne, Zola: three in scope found after four chunks of two,
    # the rest never checked.
    assert search.search_student_ids("maelys", iut_agent) == [abel.pk, durand.pk, etienne.pk]
    assert checked == [2, 2, 2]
    assert all(r.student.pk not in search.search_student_ids("maelys", iut_agent) for r in theirs)
