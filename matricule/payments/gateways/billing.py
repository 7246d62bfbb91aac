"""The billing details card gateways ask for 3-D Secure v2, in the forms they accept: text folded to
plain ASCII on one line, and the country as its ISO 3166-1 numeric code.

Addresses are typed by the students, the country as a name ("France", "Belgique", "Germany"): it
is looked up by its French or English name (any case, with or without accents or hyphens), or by
its alpha-2, alpha-3 or numeric code, among every ISO 3166-1 country (pycountry, which keeps the
standard and its French translation up to date, rather than a table of our own); the French
overseas territories have codes of their own. An unknown name gives an empty code, which the
gateways accept."""

import functools
import gettext
import re
import unicodedata

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


# Everyday spellings that are no ISO name, English or French, of the country (pycountry holds those).
ALIASES = {
    "250": ("République française",),
    "254": ("Guyane",),
    "638": ("La Réunion", "Île de la Réunion"),
    "276": ("Deutschland",),
    "724": ("España",),
    "380": ("Italia",),
    "826": ("Grande-Bretagne", "Angleterre", "England", "UK", "Great Britain"),
    "528": ("Hollande", "Holland"),
    "384": ("Ivory Coast",),
    "180": ("RDC", "DR Congo", "Congo-Kinshasa"),
    "178": ("Congo-Brazzaville",),
    "643": ("Russie", "Russia"),
    "792": ("Turkey",),
    "410": ("Corée du Sud",),
    "408": ("Corée du Nord",),
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
def countries() -> dict[str, str]:
    """Every ISO 3166-1 country by the folded forms of its codes and its English and French names
    (pycountry's data and translations), then the aliases; folded key → numeric code."""
    import pycountry

    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"]).gettext
    by_key: dict[str, str] = {}
    for country in pycountry.countries:
        english = [country.name, getattr(country, "official_name", ""), getattr(country, "common_name", "")]
        names = _spellings([*english, *(french(name) for name in english if name)])
        for spelling in (country.alpha_2, country.alpha_3, country.numeric, *names):
            by_key.setdefault(_key(spelling), country.numeric)
    for numeric, spellings in ALIASES.items():
        for spelling in spellings:
            by_key[_key(spelling)] = numeric
    return by_key


def numeric_country_code(country: str) -> str:
    """The ISO 3166-1 numeric code (three digits) of the country named, or "" when unknown."""
    return countries().get(_key(country), "")
