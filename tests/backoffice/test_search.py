"""Finding a student (`search.py`): by name (accents and case ignored), by each identifier, and
only in the agent's components. The folding of names: test_folding.py; the page: test_views.py."""

import pytest

from matricule.backoffice.search import search_students

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
