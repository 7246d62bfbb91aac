"""The billing details card gateways ask for 3-D Secure v2, in the forms they accept: text folded to
plain ASCII on one line, and the country as its ISO 3166-1 numeric code.

Addresses are typed by the students, the country as a name ("France", "Belgique", "Germany"): it
is looked up by its French or English name, or its code (`matricule.countries`); the French
overseas territories have codes of their own. An unknown name gives an empty code, which the
gateways accept."""

from matricule.countries import numeric_code, plain_text

__all__ = ["numeric_country_code", "plain_text"]


def numeric_country_code(country: str) -> str:
    """The ISO 3166-1 numeric code (three digits) of the country named, or "" when unknown."""
    return numeric_code(country)
