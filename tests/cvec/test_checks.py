"""The checks of a CVEC attestation number: its shape offline, then verify_for_student, every
verdict, with the simulator as the service."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from matricule.cvec.checks import (
    VerdictCode,
    check_format,
    display_number,
    first_name_matches,
    name_key,
    normalize_number,
    verify_for_student,
    year_digit,
)
from matricule.cvec.demo import demo_number
from matricule.cvec.service import CvecService, CvecUnavailable

from .conftest import LAST_YEAR, YEAR

pytestmark = pytest.mark.django_db

NUMBER = demo_number(1, YEAR)


# --- The shape of a number (offline) ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "TOU501234567",
        "tou5 0123 4567",
        " TOU5-01234567 ",
        "TOU5\u00a001234567",
        "ＴＯＵ５01234567",
        "TOU5.0123.4567",
    ],
)
def test_typed_forms_of_a_number_are_accepted_and_normalized(typed):
    assert check_format(typed) == "TOU501234567"


def test_letters_are_allowed_after_the_crous_code():
    assert check_format("ver3ab12cd34") == "VER3AB12CD34"


def test_normalize_and_display():
    assert normalize_number(None) == ""
    assert normalize_number(" orl4 0000 0001 ") == "ORL400000001"
    assert display_number("orl400000001") == "ORL4 00000001"
    assert display_number("bad") == "BAD"
    assert year_digit("TOU5 01234567") == "5"
    assert year_digit("nonsense") is None


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("", "required", "Enter the number"),
        ("   ", "required", "Enter the number"),
        ("0494004062M", "ine_given", "looks like your INE"),
        ("123456789AB", "ine_given", "looks like your INE"),
        ("TOU5*0123456", "characters", "only letters and digits"),
        ("TOU5012345", "length", "you entered 10"),
        ("TOU5012345678", "length", "you entered 13"),
        ("TOUX01234567", "shape", "3 letters of the CROUS and a digit"),
        ("1OU501234567", "shape", "3 letters of the CROUS and a digit"),
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(typed, code, words):
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            check_format(typed)
        message = " ".join(caught.value.messages)  # lazy: read in English
    assert caught.value.code == code
    assert words in message
    if code != "required":
        assert "TOU5 01234567" in message  # an example of the right shape


# --- verify_for_student --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_students_own_valid_attestation_is_ok(student, attestation):
    attestation()
    verdict = verify_for_student("orl4 0000 0001", **student)

    assert (verdict.ok, verdict.code, verdict.exempt, verdict.provisional) == (True, "ok", False, False)
    assert verdict.may_continue
    assert verdict.number == NUMBER
    assert verdict.attestation.number == NUMBER
    assert verdict.message == "Your CVEC attestation is valid."


def test_an_exempt_attestation_is_ok_and_says_so(student, attestation):
    attestation(exempt=True, exemption_reason="Boursier sur critères sociaux")
    verdict = verify_for_student(NUMBER, **student)

    assert (verdict.ok, verdict.code, verdict.exempt) == (True, VerdictCode.OK, True)
    assert verdict.attestation.exemption_reason == "Boursier sur critères sociaux"
    assert "exempted" in verdict.message


def test_a_malformed_number_is_refused_without_asking_the_service(student):
    class Exploding(CvecService):
        def lookup(self, *args, **kwargs):
            raise AssertionError("the service must not be asked")

    verdict = verify_for_student("ORL4 123", service=Exploding(), **student)
    assert (verdict.ok, verdict.code, verdict.number) == (False, "format", "")
    assert "12 characters" in verdict.message
    assert not verdict.may_continue


def test_an_unknown_number(student, attestation):
    attestation()
    verdict = verify_for_student(demo_number(2, YEAR), **student)

    assert (verdict.ok, verdict.code, verdict.attestation) == (False, "unknown", None)
    assert "ORL4 00000002" in verdict.message
    assert "messervices.etudiant.gouv.fr" in verdict.message


def test_last_years_attestation(student, attestation):
    attestation(seq=5, academic_year_code=LAST_YEAR)
    verdict = verify_for_student(demo_number(5, LAST_YEAR), **student)

    assert (verdict.ok, verdict.code) == (False, "other_year")
    assert "2023-2024" in verdict.message and "2024-2025" in verdict.message


def test_an_unknown_number_of_another_years_shape_is_explained_as_such(student):
    """The service does not know it, and its year digit is not this year's."""
    verdict = verify_for_student(demo_number(9, LAST_YEAR), **student)
    assert verdict.code == "other_year"
    assert "another academic year" in verdict.message


def test_an_invalid_attestation(student, attestation):
    attestation(valid=False)
    verdict = verify_for_student(NUMBER, **student)

    assert (verdict.ok, verdict.code) == (False, "invalid")
    assert "not valid" in verdict.message


@pytest.mark.parametrize(
    "holder",
    [
        {"last_name": "DUBOIS", "first_names": "Hugo"},
        {"last_name": "LEFEVRE", "first_names": "Hugo"},
        {"last_name": "LEFEVRES"},
        {"birth_date": datetime.date(2006, 3, 15)},
        {"first_names": "Chloe-Anne"},
    ],
)
def test_someone_elses_attestation(student, attestation, holder):
    attestation(**holder)
    verdict = verify_for_student(NUMBER, **student)

    assert (verdict.ok, verdict.code) == (False, "holder_mismatch")
    assert verdict.message == (
        "This attestation belongs to someone else: its holder's name or date of birth does not "
        "match yours. Check the number on your own attestation from messervices.etudiant.gouv.fr."
    )


def test_someone_elses_attestation_is_told_before_its_year_or_validity(student, attestation):
    attestation(seq=5, academic_year_code=LAST_YEAR, valid=False, last_name="DUBOIS")
    assert verify_for_student(demo_number(5, LAST_YEAR), **student).code == "holder_mismatch"


def test_another_ine_is_a_mismatch(student, attestation):
    attestation(ine="0123456789M")
    verdict = verify_for_student(NUMBER, **student)
    assert verdict.code == "holder_mismatch"
    assert "INE" in verdict.message


@pytest.mark.parametrize(("ours", "theirs"), [("", "0123456789M"), ("0494004062M", "")])
def test_the_ine_is_compared_only_when_both_are_known(student, attestation, ours, theirs):
    attestation(ine=theirs)
    assert verify_for_student(NUMBER, **{**student, "ine": ours}).ok


@pytest.mark.parametrize(
    ("typed_last", "typed_first", "on_attestation"),
    [
        ("Lefevre", "chloe", {"last_name": "LEFÈVRE", "first_names": "Chloé"}),
        ("LEFÈVRE", "CHLOÉ", {"last_name": "Lefevre", "first_names": "Chloe"}),
        ("Le Fèvre", "Chloé", {"last_name": "LEFEVRE", "first_names": "Chloé Marie"}),
        ("d'Arc", "Jeanne", {"last_name": "DARC", "first_names": "Jeanne"}),
        ("Saint-Éloi", "Jean Pierre", {"last_name": "SAINT ELOI", "first_names": "Jean-Pierre"}),
        ("Lœvenbruck", "Zoé", {"last_name": "LOEVENBRUCK", "first_names": "Zoe"}),
        ("Martin", "Chloé", {"last_name": "LEFEVRE", "usage_name": "MARTIN", "first_names": "Chloé"}),
    ],
)
def test_names_match_whatever_the_case_accents_and_separators(
    student, attestation, typed_last, typed_first, on_attestation
):
    attestation(**on_attestation)
    verdict = verify_for_student(NUMBER, **{**student, "last_name": typed_last, "first_names": typed_first})
    assert verdict.ok, verdict.message


def test_name_helpers():
    assert name_key("  Lefèvre-D'Étienne ") == "lefevredetienne"
    assert first_name_matches("Jean Pierre", "Jean-Pierre")
    assert first_name_matches("Marie", "Marie, Claire")
    assert not first_name_matches("Jean", "Jeanne")
    assert not first_name_matches("Marie", "Anne Marie")
    assert not first_name_matches("", "Anne")


def test_an_unreachable_service_lets_the_student_continue_provisionally(student):
    class Down(CvecService):
        def lookup(self, *args, **kwargs):
            raise CvecUnavailable("timed out")

    verdict = verify_for_student(NUMBER, service=Down(), **student)

    assert (verdict.ok, verdict.code, verdict.provisional) == (False, "unavailable", True)
    assert verdict.may_continue
    assert verdict.number == NUMBER
    assert "continue" in verdict.message and "later" in verdict.message
