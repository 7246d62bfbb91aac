"""Finding a student: by name (accents and case ignored), by each identifier, and only in the
agent's components."""

import pytest

from matricule.backoffice.folding import Folded, fold
from matricule.backoffice.search import search_students
from tests.payments.conftest import submitted_registration

from .conftest import make_registrations


@pytest.fixture
def chloe(demo, demo_candidates):
    """Chloé LEFÈVRE, GEII-1 at the IUT de Chartres, with a student number."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    student = registration.student
    student.student_number = "26000042"
    student.save(update_fields=["student_number"])
    return student


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


def test_database_folding_is_the_python_folding(db, django_user_model):
    """The SQL expression (TRANSLATE on PostgreSQL, a registered function on SQLite) folds every
    letter exactly as `fold` does."""
    from django.db.models import Value

    text = "ÀÉÎÕÜ àéîõü Çç Ññ Œœ Ææ ß Ł ø Jean-Pierre N’Diaye Ǆ ĲSSEL Ŵŷ"
    django_user_model.objects.create(username="folding")  # an annotation needs a row to read it on
    value = django_user_model.objects.annotate(f=Folded(Value(text))).values_list("f", flat=True).first()
    assert value == fold(text)
    assert value == "aeiou aeiou cc nn oeoe aeae ss l o jean pierre n diaye dz ijssel wy"


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


def test_search_page_lists_and_links_results(chloe, iut_agent, staff_client):
    response = staff_client(iut_agent).get("/gestion/recherche/", {"q": "CHLOE"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/gestion/etudiant/{chloe.pk}/"' in html
    assert "LEFÈVRE Chloé" in html
    assert "1 étudiant trouvé" in html


def test_search_page_is_paginated(demo, iut_agent, staff_client):
    make_registrations("GEII-1", 30, "draft", demo.current_year, last_name="Durand")
    client = staff_client(iut_agent)
    first = client.get("/gestion/recherche/", {"q": "durand"}).content.decode()
    second = client.get("/gestion/recherche/", {"q": "durand", "page": 2}).content.decode()
    assert first.count("/gestion/etudiant/") == 25
    assert second.count("/gestion/etudiant/") == 5
    assert "page=2" in first


def test_search_page_says_when_too_short(demo, iut_agent, staff_client):
    response = staff_client(iut_agent).get("/gestion/recherche/", {"q": "x"})
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    "text",
    [
        "Chloé LEFÈVRE",
        "N’DIAYE Moussa",
        "Jean-Pierre Œuvre",
        "ĲSSEL Ǆ",
        "Straße ẞ",
        "Ærø",
        "ﬁ",
        "İstanbul",
        "Łódź",
        "x\u0301y",
        "Ὀδυσσεύς",
        "",
    ],
)
def test_the_quick_sqlite_folding_is_the_full_folding(text):
    from matricule.backoffice.folding import _sqlite_fold

    assert _sqlite_fold(text) == fold(text)


@pytest.mark.parametrize(
    "name",
    [
        "LEFÈVRE Chloé",
        "N'DIAYE Moussa",
        "Cœur Ægidius",
        "Straße",
        "Noël Zoë",
        "Ĳsselmeer",
        "Łukasz Dvořák",
        "Garcia Inès",
    ],
)
def test_the_postgresql_pattern_finds_what_the_folding_finds(name):
    """On PostgreSQL a typed word becomes a pattern of all its spellings (matched with ~*): it
    finds a name exactly when the folded word is in the folded name (Python's re agrees with
    PostgreSQL's on these patterns)."""
    import re

    from matricule.backoffice.folding import word_pattern

    folded = fold(name)
    for word in {*folded.split(), "oe", "ss", "zoe", "lefevre", "chlo", "coeur", "xyz", "ae", "ij"}:
        found_by_pattern = re.search(word_pattern(word), name, re.IGNORECASE) is not None
        assert found_by_pattern == (word in folded), (name, word)


def test_too_many_matches_are_capped(demo, iut_agent, staff_client, monkeypatch):
    from matricule.backoffice import search, views

    monkeypatch.setattr(search, "MAX_RESULTS", 10)
    monkeypatch.setattr(views, "MAX_RESULTS", 10)
    make_registrations("GEII-1", 12, "draft", demo.current_year, last_name="Durand")
    assert len(search.search_student_ids("durand", iut_agent)) == 11
    html = staff_client(iut_agent).get("/gestion/recherche/", {"q": "durand"}).content.decode()
    assert "Plus de 10 étudiants trouvés" in html
    assert html.count("/gestion/etudiant/") == 10
