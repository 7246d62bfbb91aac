"""INE checks: examples from the glossary and research notes, then properties over generated values."""

import pickle
import string

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from matricule.registration.identifiers import (
    IneCheck,
    IneKind,
    InvalidIne,
    check_ine,
    normalize_ine,
    validate_ine,
)

# No example database: it would leave a .hypothesis/ folder in the working copy.
no_db = settings(database=None)

DIGITS = string.digits
UPPER = string.ascii_uppercase


def oracle_bea_key(digits: str) -> str:
    """Written out again here rather than imported, so that a slip in the module shows."""
    return "ABCDEFGHJKLMNPRSTUVWXYZ"[int(digits) % 23]


def oracle_university_key(body: str) -> str:
    values = [DIGITS.index(c) if c in DIGITS else 10 + UPPER.index(c) for c in body]
    return str((sum(values[:9]) * 6 + values[9]) % 10)


def refusal(value: str) -> InvalidIne:
    with pytest.raises(InvalidIne) as info:
        check_ine(value)
    return info.value


def outcome(value: str):
    try:
        return check_ine(value)
    except InvalidIne as error:
        return error.code


# --- examples -------------------------------------------------------------------------------


def test_glossary_example_is_a_verified_bea():
    assert check_ine("0494004062M") == IneCheck("0494004062M", IneKind.BEA, verified=True)


@pytest.mark.parametrize("value", ["0123456789M", "1234567890V"])
def test_research_notes_bea_examples(value):
    assert check_ine(value).kind == "bea"


def test_university_example_from_research_notes():
    # 6 × (0+10+1+11+2+12+3+13+4) + 14 = 350: key 0.
    assert check_ine("0A1B2C3D4E0") == IneCheck("0A1B2C3D4E0", IneKind.UNIVERSITY, verified=True)


def test_wrong_bea_key():
    with translation.override("en"):
        error = refusal("0494004062N")
        assert error.code == "key"
        assert error.kind == IneKind.BEA
        assert error.messages == [
            "The last letter of this INE does not match its digits: check it on your baccalaureate "
            "exam notice."
        ]


@pytest.mark.parametrize("key", ["I", "O", "Q"])
def test_bea_keys_never_use_i_o_q(key):
    assert refusal("0494004062" + key).code == "key"


def test_wrong_university_key():
    error = refusal("0A1B2C3D4E1")
    assert (error.code, error.kind) == ("key", IneKind.UNIVERSITY)


@pytest.mark.parametrize(
    "value", ["0494004062m", " 0494 004 062 M ", "04 94 00 40 62 m", "\u00a00494004062M\t"]
)
def test_lower_case_and_spaces_accepted_and_normalized(value):
    assert check_ine(value).value == "0494004062M"


def test_normalize_ine():
    assert normalize_ine("  12a 45\tb ") == "12A45B"


def test_non_ascii_letters_are_not_upper_cased_into_ascii():
    # "ſ".upper() == "S"; 0000000015 has key S, so a plain upper() would let this through.
    assert check_ine("0000000015s").value == "0000000015S"
    assert refusal("0000000015ſ").code == "shape"


@pytest.mark.parametrize("digit", DIGITS)
def test_ten_identical_digits_with_their_key_are_refused(digit):
    body = digit * 10
    with translation.override("en"):
        error = refusal(body + oracle_bea_key(body))
        assert error.code == "identical"
        assert "first ten characters are all the same" in error.messages[0]


def test_ten_identical_characters_refused_in_university_form():
    assert refusal("1111111111" + oracle_university_key("1111111111")).code == "identical"
    assert refusal("ZZZZZZZZZZ" + oracle_university_key("ZZZZZZZZZZ")).code == "identical"


def test_letters_only_university_body_refused():
    assert refusal("ABCDEFGHJK" + oracle_university_key("ABCDEFGHJK")).code == "shape"


def test_rnie_is_accepted_to_verify():
    assert check_ine("123456789ab") == IneCheck("123456789AB", IneKind.RNIE, verified=False)


def test_apprenticeship_is_accepted_to_verify():
    assert check_ine("1234a12345b") == IneCheck("1234A12345B", IneKind.APPRENTICESHIP, verified=False)


def test_length_message_counts_what_was_typed():
    with translation.override("en"):
        error = refusal("049400406 2")
        assert error.code == "length"
        assert error.messages == ["An INE has 11 characters: you typed 10."]


@pytest.mark.parametrize("value", ["0494-004062", "0494.04062M", "04940040É2M"])
def test_signs_and_accents_refused(value):
    assert refusal(value).code == "shape"


@pytest.mark.parametrize("value", ["12345678ABC", "A494004062M", "1234B12345C"])
def test_unknown_shapes_refused(value):
    assert refusal(value).code == "shape"


def test_invalid_ine_is_a_validation_error():
    assert issubclass(InvalidIne, ValidationError)
    with pytest.raises(ValidationError):
        validate_ine("0494004062N")
    assert validate_ine("0494004062M") is None
    assert validate_ine("123456789AB") is None


def test_invalid_ine_survives_pickling():
    error = pickle.loads(pickle.dumps(refusal("0494004062N")))  # noqa: S301 (our own bytes)
    assert (type(error), error.code, error.kind) == (InvalidIne, "key", IneKind.BEA)


def test_validator_in_a_form_shows_the_message():
    class Form(forms.Form):
        ine = forms.CharField(validators=[validate_ine])

    with translation.override("en"):
        form = Form({"ine": "0494004062N"})
        assert not form.is_valid()
        assert form.errors["ine"] == [
            "The last letter of this INE does not match its digits: check it on your baccalaureate "
            "exam notice."
        ]
        assert form.errors.as_data()["ine"][0].code == "key"


# --- properties -----------------------------------------------------------------------------

ten_digits = st.text(DIGITS, min_size=10, max_size=10).filter(lambda s: len(set(s)) > 1)
university_bodies = (
    st.text(DIGITS + UPPER, min_size=10, max_size=10)
    .filter(lambda s: len(set(s)) > 1)
    .filter(lambda s: not s.isalpha())
)
valid_bea = ten_digits.map(lambda d: d + oracle_bea_key(d))
valid_university = university_bodies.map(lambda b: b + oracle_university_key(b))
rnie = st.from_regex(r"[0-9]{9}[A-Z]{2}", fullmatch=True)
apprenticeship = st.from_regex(r"[0-9]{4}A[0-9]{5}[A-Z]", fullmatch=True)
any_alphanumeric = st.text(DIGITS + UPPER, min_size=0, max_size=14)


@no_db
@given(ten_digits)
def test_bea_with_computed_key_is_verified(digits):
    assert check_ine(digits + oracle_bea_key(digits)) == IneCheck(
        digits + oracle_bea_key(digits), IneKind.BEA, verified=True
    )


@no_db
@given(ten_digits, st.sampled_from(UPPER))
def test_bea_with_any_other_letter_is_refused_on_key(digits, letter):
    if letter == oracle_bea_key(digits):
        return
    assert refusal(digits + letter).code == "key"


@no_db
@given(valid_university)
def test_university_with_computed_key_is_verified(value):
    assert check_ine(value) == IneCheck(value, IneKind.UNIVERSITY, verified=True)


@no_db
@given(university_bodies, st.sampled_from(DIGITS))
def test_university_with_any_other_digit_is_refused_on_key(body, digit):
    if digit == oracle_university_key(body):
        return
    assert refusal(body + digit).code == "key"


@no_db
@given(st.one_of(valid_bea, valid_university, rnie, apprenticeship, any_alphanumeric), st.data())
def test_lower_case_and_spaces_never_change_the_result(value, data):
    lowered = "".join(c.lower() if data.draw(st.booleans()) else c for c in value)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(value)), max_size=4)))
    spaced, last = "", 0
    for cut in cuts:
        spaced += lowered[last:cut] + " "
        last = cut
    spaced += lowered[last:]
    assert outcome(" " + spaced + " ") == outcome(value)


@no_db
@given(st.text(DIGITS + UPPER + string.ascii_lowercase, max_size=40).filter(lambda s: len(s) != 11))
def test_other_lengths_are_refused_on_length(value):
    assert refusal(value).code == "length"


@no_db
@given(rnie)
def test_rnie_shapes_accepted_unverified(value):
    assert check_ine(value) == IneCheck(value, IneKind.RNIE, verified=False)


@no_db
@given(apprenticeship)
def test_apprenticeship_shapes_accepted_unverified(value):
    assert check_ine(value) == IneCheck(value, IneKind.APPRENTICESHIP, verified=False)
