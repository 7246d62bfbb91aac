"""The offline shape check of attestation numbers."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from matricule.cvec.checks import check_format, display_number, normalize_number, year_digit


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
