"""The billing details card gateways ask for 3-D Secure v2, in the forms they accept: text folded to
plain ASCII on one line, and the country as its ISO 3166-1 numeric code.

Addresses are typed by the students, the country as a name ("France", "Belgique", "Germany"): it
is looked up by its French or English name (any case, with or without accents or hyphens), or by
its alpha-2, alpha-3 or numeric code. The table holds the countries a French university's students
write most, the French overseas territories (which have codes of their own) and French-speaking
countries; any other country gives an empty code, which the gateways accept."""

import re
import unicodedata

# Letters NFKD does not decompose, and typographic quotes, as their ASCII spelling.
_PLAIN = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "«": '"',
        "»": '"',
    }
)


def plain_text(value: str, limit: int | None = None) -> str:
    """`value` in ASCII on one line (accents dropped, other letters and control characters
    removed, runs of spaces as one), cut to `limit` characters."""
    text = unicodedata.normalize("NFKD", value.translate(_PLAIN)).encode("ascii", "ignore").decode()
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    return text[:limit].rstrip() if limit is not None else text


# (numeric, alpha-2, alpha-3, names in French and English)
COUNTRIES = [
    ("250", "FR", "FRA", "France", "République française"),
    ("312", "GP", "GLP", "Guadeloupe"),
    ("474", "MQ", "MTQ", "Martinique"),
    ("254", "GF", "GUF", "Guyane", "Guyane française", "French Guiana"),
    ("638", "RE", "REU", "La Réunion", "Réunion"),
    ("175", "YT", "MYT", "Mayotte"),
    ("540", "NC", "NCL", "Nouvelle-Calédonie", "New Caledonia"),
    ("258", "PF", "PYF", "Polynésie française", "French Polynesia"),
    ("666", "PM", "SPM", "Saint-Pierre-et-Miquelon", "Saint Pierre and Miquelon"),
    ("276", "DE", "DEU", "Allemagne", "Germany", "Deutschland"),
    ("056", "BE", "BEL", "Belgique", "Belgium"),
    ("756", "CH", "CHE", "Suisse", "Switzerland"),
    ("442", "LU", "LUX", "Luxembourg"),
    ("492", "MC", "MCO", "Monaco"),
    ("020", "AD", "AND", "Andorre", "Andorra"),
    ("724", "ES", "ESP", "Espagne", "Spain", "España"),
    ("380", "IT", "ITA", "Italie", "Italy", "Italia"),
    ("620", "PT", "PRT", "Portugal"),
    ("826", "GB", "GBR", "Royaume-Uni", "United Kingdom", "Grande-Bretagne", "Angleterre", "England", "UK"),
    ("372", "IE", "IRL", "Irlande", "Ireland"),
    ("528", "NL", "NLD", "Pays-Bas", "Netherlands", "Hollande"),
    ("040", "AT", "AUT", "Autriche", "Austria"),
    ("616", "PL", "POL", "Pologne", "Poland"),
    ("642", "RO", "ROU", "Roumanie", "Romania"),
    ("300", "GR", "GRC", "Grèce", "Greece"),
    ("752", "SE", "SWE", "Suède", "Sweden"),
    ("208", "DK", "DNK", "Danemark", "Denmark"),
    ("578", "NO", "NOR", "Norvège", "Norway"),
    ("246", "FI", "FIN", "Finlande", "Finland"),
    ("804", "UA", "UKR", "Ukraine"),
    ("643", "RU", "RUS", "Russie", "Russia"),
    ("792", "TR", "TUR", "Turquie", "Turkey", "Türkiye"),
    ("504", "MA", "MAR", "Maroc", "Morocco"),
    ("012", "DZ", "DZA", "Algérie", "Algeria"),
    ("788", "TN", "TUN", "Tunisie", "Tunisia"),
    ("686", "SN", "SEN", "Sénégal", "Senegal"),
    ("384", "CI", "CIV", "Côte d'Ivoire", "Ivory Coast"),
    ("120", "CM", "CMR", "Cameroun", "Cameroon"),
    ("466", "ML", "MLI", "Mali"),
    ("450", "MG", "MDG", "Madagascar"),
    ("266", "GA", "GAB", "Gabon"),
    ("178", "CG", "COG", "Congo", "République du Congo", "Republic of the Congo"),
    (
        "180",
        "CD",
        "COD",
        "République démocratique du Congo",
        "RDC",
        "Democratic Republic of the Congo",
        "DR Congo",
    ),
    ("204", "BJ", "BEN", "Bénin", "Benin"),
    ("854", "BF", "BFA", "Burkina Faso"),
    ("324", "GN", "GIN", "Guinée", "Guinea"),
    ("562", "NE", "NER", "Niger"),
    ("768", "TG", "TGO", "Togo"),
    ("422", "LB", "LBN", "Liban", "Lebanon"),
    ("156", "CN", "CHN", "Chine", "China"),
    ("704", "VN", "VNM", "Viêt Nam", "Vietnam"),
    ("356", "IN", "IND", "Inde", "India"),
    ("392", "JP", "JPN", "Japon", "Japan"),
    ("124", "CA", "CAN", "Canada"),
    ("840", "US", "USA", "États-Unis", "United States", "United States of America"),
    ("076", "BR", "BRA", "Brésil", "Brazil"),
]


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain_text(name).lower()).split())


_BY_KEY = {_key(spelling): numeric for numeric, *spellings in COUNTRIES for spelling in spellings}
_BY_KEY.update({numeric: numeric for numeric, *_rest in COUNTRIES})


def numeric_country_code(country: str) -> str:
    """The ISO 3166-1 numeric code (three digits) of the country named, or "" when unknown."""
    return _BY_KEY.get(_key(country), "")
