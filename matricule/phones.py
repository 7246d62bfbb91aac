"""Phone numbers parsed by libphonenumber (Google's rules for every country, kept up to date in
the `phonenumbers` package rather than a pattern of our own), stored in E.164 ("+33612345678"),
shown in the national form for French numbers and in the international form otherwise.

A number typed without a country prefix is read as French, mainland or overseas (the overseas
departments and territories dialled with a 0 from France have country codes of their own): the
students of a French university mostly have one, and a foreign number needs its "+"."""

import phonenumbers

DEFAULT_REGION = "FR"
# Dialled from mainland France with a leading 0 ("0590 …"), each under its own country code.
FRENCH_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF")
FRENCH_CODES = frozenset(phonenumbers.country_code_for_region(region) for region in FRENCH_REGIONS)


class InvalidPhone(ValueError):
    pass


def to_e164(text: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164, or InvalidPhone when it is no number that can be dialled."""
    text = (text or "").strip()
    if not text or len(text) > 40:  # the parser's own limit is larger; nobody types more
        raise InvalidPhone(text)
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix dialled from France
    regions = (region,) if text.startswith("+") else (region, *FRENCH_REGIONS)
    for candidate in dict.fromkeys(regions):
        try:
            number = phonenumbers.parse(text, candidate)
        except phonenumbers.NumberParseException as error:
            raise InvalidPhone(text) from error
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhone(text)


def shown(value: str) -> str:
    """A stored number for reading: "06 12 34 56 78", "0590 12 34 56", "+32 470 12 34 56";
    anything that does not parse (typed before numbers were checked) as it was written."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    if number.country_code in FRENCH_CODES:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
