"""Countries as ISO 3166 codes: read from what people write, named in French or English, offered
as a list with France first."""

import pycountry
import pytest
from django.utils import translation

from matricule import countries


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FR", "FR"),
        ("fra", "FR"),
        ("250", "FR"),
        ("France", "FR"),
        ("Française", "FR"),  # a nationality written as an adjective in an older answer
        ("Belgique", "BE"),
        ("Kirghizistan", "KG"),
        ("République démocratique du Congo", "CD"),
        ("Atlantis", ""),
        ("", ""),
    ],
)
def test_resolve_reads_codes_names_and_adjectives(text, code):
    assert countries.resolve(text) == code


def test_every_country_resolves_from_its_code_and_both_names():
    for language in ("fr", "en"):
        for code, name in countries.choices(language):
            assert countries.resolve(code) == code
            assert countries.resolve(name) == code, (language, name)


def test_names_follow_the_language_and_read_as_names():
    assert countries.name("DE", "fr") == "Allemagne"
    assert countries.name("DE", "en") == "Germany"
    assert countries.name("RU", "fr") == "Fédération de Russie"  # not the list form "Russie, Fédération de"
    assert countries.name("IR", "fr") == "Iran"
    with translation.override("en"):
        assert countries.name("BE") == "Belgium"
    with translation.override("fr"):
        assert countries.name("BE") == "Belgique"


def test_a_text_naming_no_country_is_shown_as_written():
    assert countries.name("Pays imaginaire", "fr") == "Pays imaginaire"
    assert countries.name("", "fr") == ""


def test_choices_hold_every_country_once_france_first_then_by_name():
    for language in ("fr", "en"):
        listed = countries.choices(language)
        codes = [code for code, _name in listed]
        assert codes[0] == "FR"
        assert sorted(codes) == sorted(c.alpha_2 for c in pycountry.countries)
        names = [countries._key(name) for _code, name in listed[1:]]
        assert names == sorted(names)


def test_numeric_code():
    assert countries.numeric_code("FR") == "250"
    assert countries.numeric_code("Belgique") == "056"
    assert countries.numeric_code("nowhere") == ""
