"""Phone numbers: checked by libphonenumber, stored in E.164, shown in their usual form."""

import pytest

from matricule import phones


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("06 12 34 56 78", "+33612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "+33612345678", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "+33612345678", "06 12 34 56 78"),
        ("0033 6 12 34 56 78", "+33612345678", "06 12 34 56 78"),  # the prefix dialled from France
        ("02 37 00 00 00", "+33237000000", "02 37 00 00 00"),
        ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56"),
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
        ("0590 12 34 56", "+590590123456", "0590 12 34 56"),  # Guadeloupe: its own country code
        ("0262 12 34 56", "+262262123456", "0262 12 34 56"),  # La Réunion
    ],
)
def test_numbers_are_stored_in_e164_and_shown_as_usual(typed, stored, shown):
    assert phones.to_e164(typed) == stored
    assert phones.shown(stored) == shown


@pytest.mark.parametrize("typed", ["", "0612", "06 12 34 56 78 90 12", "hello", "+99 123", "1" * 60])
def test_what_cannot_be_dialled_is_refused(typed):
    with pytest.raises(phones.InvalidPhone):
        phones.to_e164(typed)


def test_a_number_typed_before_numbers_were_checked_is_shown_as_written():
    assert phones.shown("call my mother") == "call my mother"
    assert phones.shown("") == ""
