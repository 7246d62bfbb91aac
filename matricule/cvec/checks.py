"""Checks of the CVEC attestation number a student gives at registration.

`check_format` is the offline shape check (for forms). `verify_for_student` asks the
verification service and says, in a sentence for the student, whether the attestation is
theirs, for the right year and valid.

Attestation number format (no official specification found): 12 characters, the 3-letter
code of the CROUS that issued it, one digit, then 8 letters or digits; we group it as
"TOU5 01234567" for reading. Sources: a university FAQ requires Toulouse numbers to "start with TOU5"
for 2025 (ut-capitole.fr FAQ IA Primo), a Crous de Versailles page says its attestations
"commence par VER", and a student guide (letyphondunet.com) gives "12 caractères". That the digit is the last
digit of the campaign's first year is our inference (UNCONFIRMED): it is only used to
explain a number the service does not know, never to refuse one it knows.
"""

import datetime
import logging
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matricule.letters import LIGATURES

from .service import Attestation, CvecService, CvecUnavailable, get_service, normalize_number

logger = logging.getLogger(__name__)

NUMBER_LENGTH = 12
NUMBER_RE = re.compile(r"^(?P<crous>[A-Z]{3})(?P<year>[0-9])(?P<serial>[A-Z0-9]{8})$")
# An INE (11 characters) is the number most often typed in its place.
_INE_RE = re.compile(r"^([0-9]{10}[A-Z]|[0-9]{9}[A-Z]{2}|[0-9]{4}A[0-9]{5}[A-Z])$")
_YEAR_RE = re.compile(r"^\d{4}-\d{4}$")
CVEC_SITE = "messervices.etudiant.gouv.fr"


def display_number(value) -> str:
    """The number grouped for reading: "TOU5 01234567"."""
    number = normalize_number(value)
    return f"{number[:4]} {number[4:]}" if NUMBER_RE.match(number) else number


def check_format(value) -> str:
    """The normalized number, or ValidationError explaining what is wrong with its shape."""
    number = normalize_number(value)
    if not number:
        raise ValidationError(_("Enter the number of your CVEC attestation."), code="required")
    if NUMBER_RE.match(number):
        return number
    if _INE_RE.match(number):
        raise ValidationError(
            _(
                "This looks like your INE (national student number), not your CVEC attestation "
                "number. The attestation number has 12 characters and starts with 3 letters, "
                "for example %(example)s."
            ),
            code="ine_given",
            params={"example": "TOU5 01234567"},
        )
    if not re.fullmatch(r"[A-Z0-9]+", number):
        raise ValidationError(
            _(
                "A CVEC attestation number has only letters and digits. Copy it from your "
                "attestation, for example %(example)s."
            ),
            code="characters",
            params={"example": "TOU5 01234567"},
        )
    if len(number) != NUMBER_LENGTH:
        raise ValidationError(
            _(
                "A CVEC attestation number has 12 characters; you entered %(count)s. Copy it "
                "from your attestation, for example %(example)s."
            ),
            code="length",
            params={"count": len(number), "example": "TOU5 01234567"},
        )
    raise ValidationError(
        _(
            "A CVEC attestation number starts with the 3 letters of the CROUS and a digit, then "
            "8 letters or digits, for example %(example)s. Copy it from your attestation."
        ),
        code="shape",
        params={"example": "TOU5 01234567"},
    )


def validate_number(value) -> None:
    """Form and model field validator."""
    check_format(value)


def year_digit(number: str) -> str | None:
    """The digit after the CROUS code (last digit of the campaign's year: UNCONFIRMED)."""
    match = NUMBER_RE.match(normalize_number(number))
    return match["year"] if match else None


# --- Holder matching -------------------------------------------------------------------------


def name_key(value) -> str:
    """A name reduced for comparison: no case, accents, hyphens, apostrophes or spaces."""
    text = unicodedata.normalize("NFKD", str(value or "").translate(LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text.casefold() if c.isalnum())


def _given_names(value) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", str(value or "").strip()) if name_key(part)]


def last_name_matches(student_last_name: str, attestation: Attestation) -> bool:
    key = name_key(student_last_name)
    return bool(key) and key in {name_key(attestation.last_name), name_key(attestation.usage_name)}


def first_name_matches(student_first_names: str, attestation_first_names: str) -> bool:
    """At least the first given name matches. "Jean Pierre" and "Jean-Pierre" match (one side
    wrote a compound name with a space); "Jean" and "Jeanne" do not."""
    ours, theirs = _given_names(student_first_names), _given_names(attestation_first_names)
    if not ours or not theirs:
        return False
    first_ours, first_theirs = name_key(ours[0]), name_key(theirs[0])
    if first_ours == first_theirs:
        return True
    all_ours, all_theirs = name_key(" ".join(ours)), name_key(" ".join(theirs))
    return all_ours.startswith(first_theirs) and all_theirs.startswith(first_ours)


def _normalize_ine(value) -> str:
    return re.sub(r"\s+", "", str(value or "")).upper()


# --- Verdict -----------------------------------------------------------------------------------


class VerdictCode(StrEnum):
    OK = "ok"
    FORMAT = "format"
    UNKNOWN = "unknown"
    OTHER_YEAR = "other_year"
    INVALID = "invalid"
    HOLDER_MISMATCH = "holder_mismatch"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class CvecVerdict:
    """The outcome of a check, with the sentence to show the student.

    `ok` is True only when the service confirmed a valid attestation of this student for
    the year. `provisional` is True when the service could not be asked: the student may go
    on, and the check must be done again later (the attestation is not verified).
    """

    ok: bool
    code: VerdictCode
    message: str
    exempt: bool = False
    attestation: Attestation | None = None
    provisional: bool = False
    # The normalized number (empty when its format is wrong), to store with the registration.
    number: str = ""

    @property
    def may_continue(self) -> bool:
        return self.ok or self.provisional


def _refusal(code: VerdictCode, message: str, number: str, attestation=None) -> CvecVerdict:
    return CvecVerdict(ok=False, code=code, message=message, attestation=attestation, number=number)


def verify_for_student(
    number,
    *,
    last_name: str,
    first_names: str,
    birth_date: datetime.date,
    ine: str | None,
    academic_year_code: str,
    service: CvecService | None = None,
) -> CvecVerdict:
    """Check that `number` is a valid CVEC attestation of this student for this year."""
    try:
        number = check_format(number)
    except ValidationError as error:
        return _refusal(VerdictCode.FORMAT, " ".join(error.messages), "")

    service = service or get_service()
    try:
        attestation = service.lookup(number, academic_year_code, last_name=last_name)
    except CvecUnavailable as error:
        logger.warning("CVEC attestation %s not checked: %s", number, error)
        return CvecVerdict(
            ok=False,
            code=VerdictCode.UNAVAILABLE,
            provisional=True,
            number=number,
            message=gettext(
                "We could not check your CVEC attestation right now. You can continue your "
                "registration: we will check it later and contact you if there is a problem."
            ),
        )

    if attestation is None:
        wanted_digit = academic_year_code[3] if _YEAR_RE.match(academic_year_code or "") else None
        if wanted_digit and year_digit(number) != wanted_digit:
            return _refusal(
                VerdictCode.OTHER_YEAR,
                number=number,
                message=gettext(
                    "No attestation with this number was found for %(year)s: it looks like an "
                    "attestation for another academic year. Pay the CVEC or get your exemption for "
                    "%(year)s on %(site)s, then enter the number of that attestation."
                )
                % {"year": academic_year_code, "site": CVEC_SITE},
            )
        return _refusal(
            VerdictCode.UNKNOWN,
            number=number,
            message=gettext(
                "No CVEC attestation has the number %(number)s. Check that you copied it exactly "
                "from your attestation and that your last name is the one written on it. If you have "
                "not paid the CVEC or obtained your exemption yet, do it first on %(site)s."
            )
            % {"number": display_number(number), "site": CVEC_SITE},
        )

    # Whose it is comes first: nothing else about someone else's attestation is told.
    if not (
        attestation.birth_date == birth_date
        and last_name_matches(last_name, attestation)
        and first_name_matches(first_names, attestation.first_names)
    ):
        return _refusal(
            VerdictCode.HOLDER_MISMATCH,
            number=number,
            message=gettext(
                "This attestation belongs to someone else: its holder's name or date of birth does "
                "not match yours. Check the number on your own attestation from %(site)s."
            )
            % {"site": CVEC_SITE},
        )
    if _normalize_ine(ine) and attestation.ine and _normalize_ine(ine) != _normalize_ine(attestation.ine):
        return _refusal(
            VerdictCode.HOLDER_MISMATCH,
            number=number,
            message=gettext(
                "This attestation belongs to someone else: its holder's INE does not match yours. "
                "Check the number on your own attestation from %(site)s, and the INE you entered."
            )
            % {"site": CVEC_SITE},
        )

    if attestation.academic_year_code != academic_year_code:
        return _refusal(
            VerdictCode.OTHER_YEAR,
            attestation=attestation,
            number=number,
            message=gettext(
                "This attestation is for the %(found)s academic year. You need one for %(year)s: pay "
                "the CVEC or get your exemption for %(year)s on %(site)s, then enter the number of "
                "that attestation."
            )
            % {"found": attestation.academic_year_code, "year": academic_year_code, "site": CVEC_SITE},
        )
    if not attestation.valid:
        return _refusal(
            VerdictCode.INVALID,
            attestation=attestation,
            number=number,
            message=gettext(
                "This attestation is not valid (it may have been cancelled). Check its status on "
                "%(site)s or contact your CROUS, then enter the number of a valid attestation."
            )
            % {"site": CVEC_SITE},
        )

    message = (
        gettext("Your CVEC attestation is valid: you are exempted from paying the CVEC.")
        if attestation.exempt
        else gettext("Your CVEC attestation is valid.")
    )
    return CvecVerdict(
        ok=True,
        code=VerdictCode.OK,
        message=message,
        exempt=attestation.exempt,
        attestation=attestation,
        number=number,
    )
