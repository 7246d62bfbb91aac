"""Registration fees as pure functions: a registration's context and the year's schedule in,
the lines the student sees before paying out.

The amounts are data: one `FeeSchedule` row per academic year and diploma type, read once by
`schedules_for_year`. `fee_lines` never touches the database, so every rule of the glossary
can be tested from plain objects.

Representation: an exemption is a line of its own with a *negative* amount equal to the fee
it waives, after the fee line. The breakdown then reads like an invoice ("Registration fee
175 €", "Exemption: grant holder −175 €", total 0 €), the student sees what is waived, and
the total is the plain sum of the lines, with no per-line flag to interpret.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from matricule.institution.models import AcademicYear, FeeSchedule

REGISTRATION_FEE = "registration_fee"
REGISTRATION_FEE_REDUCED = "registration_fee_reduced"
DIFFERENTIATED_FEE = "differentiated_fee"
EXEMPTION_GRANT = "exemption_grant"
EXEMPTION_PUPILLE = "exemption_pupille"
EXEMPTION_EXCHANGE = "exemption_exchange"

# Keyed by code so that lines stored as JSON (code and amount) can be labelled again later,
# in whatever language is active then.
LABELS: dict[str, Promise] = {
    REGISTRATION_FEE: _("Registration fee"),
    REGISTRATION_FEE_REDUCED: _("Registration fee, reduced rate (additional registration)"),
    DIFFERENTIATED_FEE: _("Registration fee, differentiated rate (non-EU students)"),
    EXEMPTION_GRANT: _("Exemption: grant holder"),
    EXEMPTION_PUPILLE: _("Exemption: pupille de la nation"),
    EXEMPTION_EXCHANGE: _("Exemption: exchange programme (fees paid at the home university)"),
}


class MissingFeeSchedule(LookupError):
    """The year has no fee schedule for the registration's diploma type: a configuration gap
    for the administrator, never a reason to charge nothing."""


class FeeScheduleLike(Protocol):
    full_rate_cents: int
    reduced_rate_cents: int | None
    differentiated_rate_cents: int | None


@dataclass(frozen=True)
class FeeContext:
    """What the fees of one registration depend on.

    `other_registrations` lists the diploma types of the student's other active registrations
    in the same academic year (not this one), for the additional-registration rule.
    """

    academic_year: AcademicYear | int | str  # the row, its id or its code ("2024-2025")
    diploma_type: str
    grant_holder: bool = False  # CROUS social-criteria grant or French government grant
    pupille_de_la_nation: bool = False
    differentiated: bool = False  # first-time non-EU student subject to differentiated fees
    exchange: bool = False  # hosted under an exchange programme: pays at the home university
    other_registrations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FeeLine:
    code: str
    amount_cents: int  # negative for an exemption: the amount waived
    label: Promise | str = ""

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", LABELS.get(self.code, self.code))

    def as_dict(self) -> dict:
        """The JSON-storable form (the label is derived from the code when shown)."""
        return {"code": self.code, "amount_cents": self.amount_cents}


def _full_rate(schedule: FeeScheduleLike, differentiated: bool) -> int:
    """The rate of a registration at full rate for this student: differentiated fees replace
    the national fee only where the year configures a differentiated rate (not, e.g., for a
    doctorate)."""
    if differentiated and schedule.differentiated_rate_cents is not None:
        return schedule.differentiated_rate_cents
    return schedule.full_rate_cents


def _is_additional(context: FeeContext, schedules: Mapping[str, FeeScheduleLike], own_rate: int) -> bool:
    """Whether this registration is one of "the others" of an additional registration, i.e.
    another registration of the year costs at least as much at full rate.

    On a tie (same diploma type twice, Licence and BUT) the registration being computed is
    the additional one: the other one was there first and is already priced at full rate.
    Another registration whose diploma type has no schedule (a university diploma, whose fee
    is not a national one) is not a national-fee registration and does not count.
    """
    for other in context.other_registrations:
        schedule = schedules.get(other)
        if schedule is not None and _full_rate(schedule, context.differentiated) >= own_rate:
            return True
    return False


def fee_lines(context: FeeContext, schedules: Mapping[str, FeeScheduleLike]) -> list[FeeLine]:
    """The fee lines of one registration, in display order: the fee, then any exemption.

    Rules (glossary, "Registration fees"):
    - the diploma type's fee of the year, at full rate;
    - differentiated fees replace it for a `differentiated` student when the year configures
      a differentiated rate for that diploma type;
    - additional registration in the same year: the most expensive registration is at full
      rate, the others at the reduced rate. "Most expensive" compares the full rates that
      apply to this student (differentiated ones included). So:
        * this registration is the cheaper one (or equal): it gets the reduced rate;
        * this registration is the more expensive one: it is at full rate. The other one
          *would* then be at the reduced rate, but an already-priced (possibly paid)
          registration is never re-priced here; the difference is a refund the registrar
          decides on request;
    - a diploma type without a reduced rate (2024-25 doctorate, engineering) stays at full
      rate for an additional registration: no reduced rate is in force for it, and
      inventing one would under-charge; the registrar can refund;
    - the schedule has no differentiated reduced rate, so an additional registration at a
      differentiated rate stays at that rate, for the same reason;
    - grant holders and pupilles de la nation are exempt: a line waives the whole fee
      (total 0) and the registrar verifies the proof later. A student who is both gets one
      exemption line, the grant, so that the lines never waive more than the fee;
    - exchange-programme students pay their fees at their home university (the exchange
      agreement): one line waives the whole fee, before any other exemption.

    Raises MissingFeeSchedule when the year has no schedule for the diploma type.
    """
    schedule = schedules.get(context.diploma_type)
    if schedule is None:
        raise MissingFeeSchedule(f"No fee schedule for {context.diploma_type} in {context.academic_year}.")

    own_rate = _full_rate(schedule, context.differentiated)
    if context.differentiated and schedule.differentiated_rate_cents is not None:
        fee = FeeLine(DIFFERENTIATED_FEE, own_rate)
    elif _is_additional(context, schedules, own_rate) and schedule.reduced_rate_cents is not None:
        fee = FeeLine(REGISTRATION_FEE_REDUCED, schedule.reduced_rate_cents)
    else:
        fee = FeeLine(REGISTRATION_FEE, own_rate)

    lines = [fee]
    if context.exchange:
        lines.append(FeeLine(EXEMPTION_EXCHANGE, -fee.amount_cents))
    elif context.grant_holder:
        lines.append(FeeLine(EXEMPTION_GRANT, -fee.amount_cents))
    elif context.pupille_de_la_nation:
        lines.append(FeeLine(EXEMPTION_PUPILLE, -fee.amount_cents))
    return lines


def total_cents(lines: Iterable[FeeLine]) -> int:
    """What the student pays: the sum of the lines, never below zero."""
    return max(0, sum(line.amount_cents for line in lines))


def schedules_for_year(academic_year: AcademicYear | int | str) -> dict[str, FeeSchedule]:
    """The year's fee schedules by diploma type, in one query. The year may be given as the
    row, its id or its code."""
    if isinstance(academic_year, AcademicYear):
        rows = FeeSchedule.objects.filter(academic_year_id=academic_year.pk)
    elif isinstance(academic_year, int):
        rows = FeeSchedule.objects.filter(academic_year_id=academic_year)
    else:
        rows = FeeSchedule.objects.filter(academic_year__code=academic_year)
    return {row.diploma_type: row for row in rows}


def fee_lines_for(context: FeeContext) -> list[FeeLine]:
    """`fee_lines` with the schedules of the context's year read from the database."""
    return fee_lines(context, schedules_for_year(context.academic_year))


def fee_label(code: str) -> str:
    """The translated label of a fee line's code (the code itself when it has none)."""
    return str(LABELS.get(code, code))
