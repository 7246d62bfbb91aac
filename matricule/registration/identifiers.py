"""INE (identifiant national étudiant) checks: shape, check key, and a message the student understands.

Four shapes exist, all 11 characters:

- BEA (secondary school, before 2018): 10 digits + a key letter computed modulo 23;
- university INE (base 36): 10 digits or capital letters + a key digit;
- RNIE (since 2018): 9 digits + 2 letters, key algorithm not public;
- apprenticeship: 4 digits, "A", 5 digits, a letter, key algorithm not public.

The two key algorithms follow EsupPortail/esup-ecandidat (MethodUtils.checkBEA23 / checkNNE36,
credited there to the université de Rouen); neither is checked against an official specification.
"""

import re
import string
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INE_LENGTH = 11

# No I, O or Q, which could be misread as 1 or 0.
BEA_KEY_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"

BEA_RE = re.compile(r"[0-9]{10}[A-Z]")
UNIVERSITY_RE = re.compile(r"[0-9A-Z]{10}[0-9]")
RNIE_RE = re.compile(r"[0-9]{9}[A-Z]{2}")
APPRENTICESHIP_RE = re.compile(r"[0-9]{4}A[0-9]{5}[A-Z]")
ALPHANUMERIC_RE = re.compile(r"[0-9A-Z]*")
WHITESPACE_RE = re.compile(r"\s+")

# ASCII only: str.upper() would turn some non-ASCII letters into ASCII ones ("ſ" -> "S"), which
# would make a mistyped value pass silently; non-ASCII characters are left to be refused.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


class IneKind(StrEnum):
    BEA = "bea"
    UNIVERSITY = "university"
    RNIE = "rnie"
    APPRENTICESHIP = "apprenticeship"


@dataclass(frozen=True)
class IneCheck:
    value: str  # normalized: no spaces, upper case
    kind: IneKind
    # True when a check key was computed and matched; False for shapes whose key algorithm is not
    # public (RNIE, apprenticeship): the INE is plausible but must be flagged "to verify".
    verified: bool


class InvalidIne(ValidationError):
    """A value that is not an INE; `code` says why, `kind` is the shape it was read as, if any."""

    def __init__(self, message, code: str, params=None, kind: IneKind | None = None):
        super().__init__(message, code=code, params=params)
        self.kind = kind

    def __reduce__(self):
        # Keeps `kind` through pickling and copying (form errors are copied, cached errors pickled).
        return self.__class__, (self.message, self.code, self.params, self.kind)


MESSAGES = {
    "length": _("An INE has 11 characters: you typed %(count)d."),
    "characters": _("An INE contains only digits and letters, without accents, dashes or other signs."),
    "shape": _(
        "This is not the shape of an INE: it is either 10 digits followed by a letter (for example "
        "0494004062M), 9 digits followed by 2 letters, or 10 digits or letters followed by a digit."
    ),
    "letters_only": _("This INE is not valid: an INE contains digits, not only letters."),
    "identical": _(
        "This INE is not valid: its first ten characters are all the same. Type the INE written "
        "on your baccalaureate exam notice or on a previous enrolment certificate."
    ),
    "key_bea": _(
        "The last letter of this INE does not match its digits: check it on your baccalaureate exam notice."
    ),
    "key_university": _(
        "The last digit of this INE does not match the characters before it: check it on a "
        "previous enrolment certificate or student card."
    ),
}


def normalize_ine(value: str) -> str:
    """Drop surrounding and inner whitespace and upper-case: students type "0494 004 062m"."""
    return WHITESPACE_RE.sub("", value).translate(_ASCII_UPPER)


def bea_key(digits: str) -> str:
    """Key letter of an INE-BEA from its first ten digits."""
    return BEA_KEY_ALPHABET[int(digits) % 23]


def university_key(body: str) -> str:
    """Key digit of a university INE from its first ten characters [0-9A-Z].

    Last decimal digit of 6 × (sum of the base-36 values of characters 1-9) + value of character
    10, exactly as checkNNE36 computes it (the sum is taken whole before keeping its last digit).
    """
    total = 6 * sum(int(char, 36) for char in body[:9]) + int(body[9], 36)
    return str(total % 10)


def _all_same(body: str) -> bool:
    return len(set(body)) == 1


def check_ine(value: str) -> IneCheck:
    """Normalize and check an INE; raise InvalidIne with a message for the student if it is wrong."""
    ine = normalize_ine(value)
    if len(ine) != INE_LENGTH:
        raise InvalidIne(MESSAGES["length"], code="length", params={"count": len(ine)})
    if not ALPHANUMERIC_RE.fullmatch(ine):
        raise InvalidIne(MESSAGES["characters"], code="shape")

    # The shapes cannot both match one value (BEA and RNIE end with letters, a university INE with
    # a digit; the apprenticeship INE has an "A" in 5th position), but a ten-digit body fits both
    # the BEA and the university body. BEA comes first: ten digits + a letter is a BEA number, so a
    # wrong letter is reported as a wrong BEA key, never as "not an INE"; and the university check
    # is only reached when the 11th character is a digit.
    if BEA_RE.fullmatch(ine):
        body = ine[:10]
        if _all_same(body):
            raise InvalidIne(MESSAGES["identical"], code="identical", kind=IneKind.BEA)
        if ine[10] != bea_key(body):
            raise InvalidIne(MESSAGES["key_bea"], code="key", kind=IneKind.BEA)
        return IneCheck(ine, IneKind.BEA, verified=True)

    if RNIE_RE.fullmatch(ine):
        return IneCheck(ine, IneKind.RNIE, verified=False)

    if APPRENTICESHIP_RE.fullmatch(ine):
        return IneCheck(ine, IneKind.APPRENTICESHIP, verified=False)

    if UNIVERSITY_RE.fullmatch(ine):
        body = ine[:10]
        if _all_same(body):
            raise InvalidIne(MESSAGES["identical"], code="identical", kind=IneKind.UNIVERSITY)
        # As in eCandidat, which gives no reason: a body made only of letters is refused too.
        if body.isalpha():
            raise InvalidIne(MESSAGES["letters_only"], code="shape", kind=IneKind.UNIVERSITY)
        if ine[10] != university_key(body):
            raise InvalidIne(MESSAGES["key_university"], code="key", kind=IneKind.UNIVERSITY)
        return IneCheck(ine, IneKind.UNIVERSITY, verified=True)

    raise InvalidIne(MESSAGES["shape"], code="shape")


def validate_ine(value: str) -> None:
    """Form and model field validator. Unverifiable shapes (RNIE, apprenticeship) pass: the caller
    that needs the "to verify" flag calls check_ine() itself."""
    check_ine(value)


# UAI (unité administrative immatriculée, formerly RNE): the national code of a school, 7
# characters (3 for the department, "620"/"720" for Corsica, "97x" overseas, then 4 digits)
# and a check letter, the 7 digits modulo 23 in the BEA's alphabet (0280007F, 0280021W).
UAI_RE = re.compile(r"[0-9]{7}[A-Z]")
# What a student who means a code types: 6 to 8 digits, with or without a letter. A school's name
# never looks like that, so such a value is checked as a code instead of taken as a name.
UAI_LIKE_RE = re.compile(r"[0-9]{6,8}[A-Z]?")


def looks_like_uai(value: str) -> bool:
    return bool(UAI_LIKE_RE.fullmatch(normalize_ine(value)))


def check_uai(value: str) -> str:
    """The UAI normalized (no spaces, upper case), or a ValidationError saying what is wrong."""
    uai = normalize_ine(value)
    if not UAI_RE.fullmatch(uai):
        raise ValidationError(_("A UAI code has 7 digits and a letter, e.g. 0280007F."), code="uai_shape")
    if uai[7] != BEA_KEY_ALPHABET[int(uai[:7]) % 23]:
        raise ValidationError(
            _(
                "The letter of this UAI code does not match its digits: "
                "check it on a document from your school."
            ),
            code="uai_key",
        )
    return uai
