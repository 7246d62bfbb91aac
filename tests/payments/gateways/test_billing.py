"""The billing details of 3-D Secure in the gateways' forms: plain ASCII text, numeric country codes."""

import re

import pytest

from matricule.countries import ALIASES
from matricule.payments.gateways.billing import numeric_country_code, plain_text


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
        ("Allemagne", "276"),
        ("Germany", "276"),
        ("Federal Republic of Germany", "276"),
        ("République démocratique du Congo", "180"),
        ("Democratic Republic of the Congo", "180"),
        ("Congo", "178"),
        ("Viêt Nam", "704"),
        ("Vietnam", "704"),
        ("Turquie", "792"),
        ("Türkiye", "792"),
        ("Kirghizistan", "417"),  # any country, not only the usual ones
        ("Kyrgyzstan", "417"),
        ("Nouvelle-Zélande", "554"),
        ("Guadeloupe", "312"),
        ("Nouvelle-Calédonie", "540"),
        ("Atlantis", ""),
        ("", ""),
    ],
)
def test_countries_by_name_in_french_or_english_or_by_code(country, code):
    assert numeric_country_code(country) == code


def test_every_code_is_three_digits_and_every_alias_names_its_country():
    import pycountry

    assert all(re.fullmatch(r"\d{3}", numeric_country_code(c.alpha_2)) for c in pycountry.countries)
    assert all(numeric_country_code(c.name) == c.numeric for c in pycountry.countries)
    for alpha_2, spellings in ALIASES.items():
        numeric = pycountry.countries.get(alpha_2=alpha_2).numeric
        for spelling in spellings:
            assert numeric_country_code(spelling) == numeric, spelling
