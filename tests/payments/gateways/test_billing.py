"""The billing details of 3-D Secure in the gateways' forms: plain ASCII text, numeric country codes."""

import re

import pytest

from matricule.payments.gateways.billing import COUNTRIES, numeric_country_code, plain_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Chloé Lefèvre", "Chloe Lefevre"),
        ("Œdipe Æsir Strauß Søren Łukasz", "OEdipe AEsir Strauss Soren Lukasz"),
        ("Jeanne d\u2019Arc «la Pucelle»", 'Jeanne d\'Arc "la Pucelle"'),
        ("  12 rue\tdes\r\nÉcuyers\x00 ", "12 rue des Ecuyers"),  # one line, no control characters
        ("王小明", ""),  # what has no ASCII spelling is dropped
    ],
)
def test_plain_text_is_ascii_on_one_line(value, expected):
    assert plain_text(value) == expected


def test_plain_text_is_cut_after_folding():
    assert plain_text("Éléonore-Amélie", 8) == "Eleonore"
    assert plain_text("Anne Marie", 5) == "Anne"  # no trailing space left by the cut


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("France", "250"),
        (" FRANCE ", "250"),
        ("france", "250"),
        ("FR", "250"),
        ("FRA", "250"),
        ("250", "250"),
        ("République française", "250"),
        ("Belgique", "056"),
        ("Belgium", "056"),
        ("Cote d'Ivoire", "384"),
        ("Côte d\u2019Ivoire", "384"),
        ("Etats-Unis", "840"),
        ("États Unis", "840"),
        ("Royaume Uni", "826"),
        ("La Réunion", "638"),
        ("Atlantis", ""),
        ("", ""),
    ],
)
def test_countries_by_name_in_french_or_english_or_by_code(country, code):
    assert numeric_country_code(country) == code


def test_every_code_is_three_digits_and_every_spelling_names_one_country():
    assert all(re.fullmatch(r"\d{3}", numeric) for numeric, *_ in COUNTRIES)
    # A spelling shared by two countries would give the other one's code back.
    for numeric, *spellings in COUNTRIES:
        for spelling in spellings:
            assert numeric_country_code(spelling) == numeric, spelling
