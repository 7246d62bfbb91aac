"""Countries as ISO 3166-1 codes, named in French or English: what the registration form offers
(country of birth, nationality, address), what is stored (the alpha-2 code, as Parcoursup's file
gives it) and what the exports and the SISE survey get (codes, never free text).

pycountry keeps the standard and its French translation up to date, rather than a table of our
own. `resolve` reads what people and older files wrote ("France", "Belgique", "FR", "FRA",
"250", "Française"): by a French or English name (any case, with or without accents or
hyphens), a code, or a few everyday spellings and nationality adjectives."""

import functools
import gettext
import re
import unicodedata

from django.utils.translation import get_language

from matricule.letters import LIGATURES

# Ligatures and letters NFKD does not decompose, and typographic quotes, as their ASCII spelling.
_PLAIN = {
    **LIGATURES,
    **str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "«": '"', "»": '"'}),
}


def plain_text(value: str, limit: int | None = None) -> str:
    """`value` in ASCII on one line (accents dropped, other letters and control characters
    removed, runs of spaces as one), cut to `limit` characters."""
    text = unicodedata.normalize("NFKD", value.translate(_PLAIN)).encode("ascii", "ignore").decode()
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    return text[:limit].rstrip() if limit is not None else text


# Everyday spellings that are no ISO name, English or French, of the country (pycountry holds
# those), and the nationalities written as adjectives in older answers and files; by alpha-2 code.
ALIASES = {
    "FR": ("République française", "Française", "Français", "French"),
    "GF": ("Guyane",),
    "RE": ("La Réunion", "Île de la Réunion"),
    "DE": ("Deutschland", "Allemande", "Allemand", "German"),
    "ES": ("España", "Espagnole", "Espagnol", "Spanish"),
    "IT": ("Italia", "Italienne", "Italien", "Italian"),
    "PT": ("Portugaise", "Portugais", "Portuguese"),
    "BE": ("Belge", "Belgian"),
    "GB": ("Grande-Bretagne", "Angleterre", "England", "UK", "Great Britain", "Britannique", "British"),
    "NL": ("Hollande", "Holland"),
    "CI": ("Ivory Coast", "Ivoirienne", "Ivoirien"),
    "CD": ("RDC", "DR Congo", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville",),
    "RU": ("Russie", "Russia"),
    "TR": ("Turkey",),
    "KR": ("Corée du Sud",),
    "KP": ("Corée du Nord",),
    "MA": ("Marocaine", "Marocain", "Moroccan"),
    "DZ": ("Algérienne", "Algérien", "Algerian"),
    "TN": ("Tunisienne", "Tunisien", "Tunisian"),
    "SN": ("Sénégalaise", "Sénégalais", "Senegalese"),
}


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain_text(name).lower()).split())


def _spellings(names) -> list[str]:
    """Each name, and the ISO list form turned round ("Congo, The Democratic Republic of the"
    is also "The Democratic Republic of the Congo")."""
    found = []
    for name in names:
        if not name:
            continue
        found.append(name)
        head, comma, tail = name.partition(", ")
        if comma:
            found.append(f"{tail} {head}")
            found.append(f"{tail.removeprefix('The ')} {head}")
    return found


@functools.cache
def _french():
    import pycountry

    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"]).gettext


@functools.cache
def _lookup() -> dict[str, str]:
    """Every ISO 3166-1 country by the folded forms of its codes and its English and French names,
    then the aliases; folded key → alpha-2 code."""
    import pycountry

    french = _french()
    by_key: dict[str, str] = {}
    for country in pycountry.countries:
        english = [country.name, getattr(country, "official_name", ""), getattr(country, "common_name", "")]
        names = _spellings([*english, *(french(name) for name in english if name)])
        for spelling in (country.alpha_2, country.alpha_3, country.numeric, *names):
            by_key.setdefault(_key(spelling), country.alpha_2)
    for alpha_2, spellings in ALIASES.items():
        for spelling in spellings:
            by_key[_key(spelling)] = alpha_2
    return by_key


def resolve(text: str) -> str:
    """The alpha-2 code of the country `text` names or codes, or "" when none."""
    return _lookup().get(_key(text or ""), "")


@functools.cache
def _names(language: str) -> dict[str, str]:
    """alpha-2 → the country's common name in `language` (French or English)."""
    import pycountry

    french = _french()
    names = {}
    for country in pycountry.countries:
        english = getattr(country, "common_name", "") or country.name
        names[country.alpha_2] = _turned(french(english) if language == "fr" else english)
    return names


def _turned(name: str) -> str:
    """The ISO list form read as a name: "Russie, Fédération de" → "Fédération de Russie"."""
    head, comma, tail = name.partition(", ")
    if not comma:
        return name
    tail = tail.removeprefix("The ")
    return f"{tail}{head}" if tail.endswith("'") else f"{tail} {head}"


def _language(language: str | None) -> str:
    return "fr" if (language or get_language() or "fr").startswith("fr") else "en"


def name(value: str, language: str | None = None) -> str:
    """The name of the country coded or named `value` in the page's language; a text that names
    no country (an answer typed before the list existed) as it was written."""
    code = resolve(value) if value else ""
    return _names(_language(language)).get(code, value or "")


@functools.cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    names = _names(language)
    rest = sorted((code for code in names if code != "FR"), key=lambda code: _key(names[code]))
    # France first: most students are asked it about France.
    return (("FR", names["FR"]), *((code, names[code]) for code in rest))


def choices(language: str | None = None) -> list[tuple[str, str]]:
    """(alpha-2, name) for every country, France first, then by name in the page's language."""
    return list(_choices(_language(language)))


def numeric_code(value: str) -> str:
    """The ISO 3166-1 numeric code (three digits) of the country coded or named, or ""."""
    import pycountry

    code = resolve(value)
    return pycountry.countries.get(alpha_2=code).numeric if code else ""
