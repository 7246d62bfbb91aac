"""The fee rules against the glossary's figures (GLOSSARY.md, "Registration fees").

The schedules are built here from the glossary table, not from the demo seed, so that a
wrong seed cannot make a wrong rule pass.
"""

from dataclasses import dataclass

import pytest

from matricule.fees.rules import (
    DIFFERENTIATED_FEE,
    EXEMPTION_EXCHANGE,
    EXEMPTION_GRANT,
    EXEMPTION_PUPILLE,
    REGISTRATION_FEE,
    REGISTRATION_FEE_REDUCED,
    FeeContext,
    FeeLine,
    MissingFeeSchedule,
    fee_lines,
    fee_lines_for,
    schedules_for_year,
    total_cents,
)
from matricule.institution.models import DiplomaType

BUT = DiplomaType.BUT
LICENCE = DiplomaType.LICENCE
MASTER = DiplomaType.MASTER
DOCTORATE = DiplomaType.DOCTORATE
ENGINEERING = DiplomaType.ENGINEERING


@dataclass
class Schedule:
    full_rate_cents: int
    reduced_rate_cents: int | None = None
    differentiated_rate_cents: int | None = None


def eur(amount: int | None) -> int | None:
    return None if amount is None else amount * 100


def schedule(full, reduced=None, differentiated=None) -> Schedule:
    return Schedule(eur(full), eur(reduced), eur(differentiated))


# Glossary: full / reduced; differentiated Licence 2 770 €, Master 3 770 € as configured.
SCHEDULES = {
    "2024-2025": {
        BUT: schedule(175, 116, 2770),
        LICENCE: schedule(175, 116, 2770),
        MASTER: schedule(250, 164, 3770),
        DOCTORATE: schedule(391),
        ENGINEERING: schedule(618),
    },
    "2025-2026": {
        BUT: schedule(178, 118, 2770),
        LICENCE: schedule(178, 118, 2770),
        MASTER: schedule(254, 166, 3770),
        DOCTORATE: schedule(397, 264),
        ENGINEERING: schedule(628),
    },
}


def compute(year, diploma, **kwargs):
    lines = fee_lines(FeeContext(academic_year=year, diploma_type=diploma, **kwargs), SCHEDULES[year])
    return [(line.code, line.amount_cents) for line in lines], total_cents(lines)


@pytest.mark.parametrize(
    ("year", "diploma", "euros"),
    [
        ("2024-2025", BUT, 175),
        ("2024-2025", LICENCE, 175),
        ("2024-2025", MASTER, 250),
        ("2024-2025", DOCTORATE, 391),
        ("2024-2025", ENGINEERING, 618),
        ("2025-2026", BUT, 178),
        ("2025-2026", LICENCE, 178),
        ("2025-2026", MASTER, 254),
        ("2025-2026", DOCTORATE, 397),
        ("2025-2026", ENGINEERING, 628),
    ],
)
def test_full_rate_of_each_diploma_type_and_year(year, diploma, euros):
    assert compute(year, diploma) == ([(REGISTRATION_FEE, euros * 100)], euros * 100)


@pytest.mark.parametrize(
    ("year", "diploma", "code", "euros"),
    [
        # The same diploma type twice: the new registration is the additional one.
        ("2024-2025", BUT, REGISTRATION_FEE_REDUCED, 116),
        ("2024-2025", LICENCE, REGISTRATION_FEE_REDUCED, 116),
        ("2024-2025", MASTER, REGISTRATION_FEE_REDUCED, 164),
        ("2025-2026", BUT, REGISTRATION_FEE_REDUCED, 118),
        ("2025-2026", LICENCE, REGISTRATION_FEE_REDUCED, 118),
        ("2025-2026", MASTER, REGISTRATION_FEE_REDUCED, 166),
        ("2025-2026", DOCTORATE, REGISTRATION_FEE_REDUCED, 264),
        # No reduced rate configured: full rate.
        ("2024-2025", DOCTORATE, REGISTRATION_FEE, 391),
        ("2024-2025", ENGINEERING, REGISTRATION_FEE, 618),
        ("2025-2026", ENGINEERING, REGISTRATION_FEE, 628),
    ],
)
def test_additional_registration_of_the_same_type(year, diploma, code, euros):
    assert compute(year, diploma, other_registrations=[diploma]) == ([(code, euros * 100)], euros * 100)


@pytest.mark.parametrize(
    ("year", "diploma", "other", "expected"),
    [
        # BUT + Master: the Master at full rate, the BUT at the reduced rate, whichever is computed.
        ("2024-2025", MASTER, BUT, (REGISTRATION_FEE, 25000)),
        ("2024-2025", BUT, MASTER, (REGISTRATION_FEE_REDUCED, 11600)),
        ("2025-2026", MASTER, BUT, (REGISTRATION_FEE, 25400)),
        ("2025-2026", BUT, MASTER, (REGISTRATION_FEE_REDUCED, 11800)),
        # Licence and BUT cost the same: the one being added is the reduced one.
        ("2024-2025", LICENCE, BUT, (REGISTRATION_FEE_REDUCED, 11600)),
        # A Doctorate next to an Engineering degree: reduced where configured, else full.
        ("2025-2026", DOCTORATE, ENGINEERING, (REGISTRATION_FEE_REDUCED, 26400)),
        ("2024-2025", DOCTORATE, ENGINEERING, (REGISTRATION_FEE, 39100)),
        ("2025-2026", ENGINEERING, DOCTORATE, (REGISTRATION_FEE, 62800)),
        # A university diploma has no national schedule and does not count.
        ("2024-2025", BUT, DiplomaType.DU, (REGISTRATION_FEE, 17500)),
    ],
)
def test_additional_registration_most_expensive_at_full_rate(year, diploma, other, expected):
    assert compute(year, diploma, other_registrations=[other]) == ([expected], expected[1])


def test_additional_registration_compares_with_every_other_registration():
    lines, total = compute("2024-2025", BUT, other_registrations=[DiplomaType.DU, LICENCE, MASTER])
    assert lines == [(REGISTRATION_FEE_REDUCED, 11600)]
    lines, total = compute("2024-2025", MASTER, other_registrations=[BUT, LICENCE])
    assert lines == [(REGISTRATION_FEE, 25000)]


@pytest.mark.parametrize(
    ("flags", "exemption"),
    [
        ({"grant_holder": True}, EXEMPTION_GRANT),
        ({"pupille_de_la_nation": True}, EXEMPTION_PUPILLE),
        ({"grant_holder": True, "pupille_de_la_nation": True}, EXEMPTION_GRANT),
        ({"exchange": True}, EXEMPTION_EXCHANGE),
        ({"exchange": True, "grant_holder": True}, EXEMPTION_EXCHANGE),  # one line, never more
    ],
)
@pytest.mark.parametrize(
    ("year", "diploma", "other", "fee"),
    [
        ("2024-2025", BUT, [], (REGISTRATION_FEE, 17500)),
        ("2025-2026", MASTER, [], (REGISTRATION_FEE, 25400)),
        ("2025-2026", ENGINEERING, [], (REGISTRATION_FEE, 62800)),
        ("2025-2026", BUT, [MASTER], (REGISTRATION_FEE_REDUCED, 11800)),
    ],
)
def test_exemptions_waive_the_whole_fee_and_show_it(flags, exemption, year, diploma, other, fee):
    lines, total = compute(year, diploma, other_registrations=other, **flags)
    assert lines == [fee, (exemption, -fee[1])]
    assert total == 0


@pytest.mark.parametrize(
    ("year", "diploma", "expected"),
    [
        ("2024-2025", LICENCE, (DIFFERENTIATED_FEE, 277000)),
        ("2024-2025", BUT, (DIFFERENTIATED_FEE, 277000)),
        ("2024-2025", MASTER, (DIFFERENTIATED_FEE, 377000)),
        ("2025-2026", MASTER, (DIFFERENTIATED_FEE, 377000)),
        # No differentiated rate configured (doctorate, engineering): the national fee.
        ("2024-2025", DOCTORATE, (REGISTRATION_FEE, 39100)),
        ("2025-2026", ENGINEERING, (REGISTRATION_FEE, 62800)),
    ],
)
def test_differentiated_fees_replace_the_national_fee(year, diploma, expected):
    assert compute(year, diploma, differentiated=True) == ([expected], expected[1])


def test_differentiated_fees_only_for_differentiated_students():
    assert compute("2024-2025", LICENCE, differentiated=False) == ([(REGISTRATION_FEE, 17500)], 17500)


def test_differentiated_additional_registration_stays_at_the_differentiated_rate():
    # The schedule has no differentiated reduced rate.
    lines, total = compute("2024-2025", LICENCE, differentiated=True, other_registrations=[MASTER])
    assert lines == [(DIFFERENTIATED_FEE, 277000)]


def test_differentiated_most_expensive_compares_differentiated_rates():
    # Licence at 2 770 € costs more than a Doctorate at 391 €: the Doctorate is the reduced one
    # (2025-26, where its reduced rate is configured).
    lines, _ = compute("2025-2026", DOCTORATE, differentiated=True, other_registrations=[LICENCE])
    assert lines == [(REGISTRATION_FEE_REDUCED, 26400)]
    lines, _ = compute("2025-2026", LICENCE, differentiated=True, other_registrations=[DOCTORATE])
    assert lines == [(DIFFERENTIATED_FEE, 277000)]


@pytest.mark.parametrize(("diploma", "euros"), [(LICENCE, 2770), (MASTER, 3770)])
def test_grant_holder_with_differentiated_fees_is_exempt(diploma, euros):
    lines, total = compute("2024-2025", diploma, differentiated=True, grant_holder=True)
    assert lines == [(DIFFERENTIATED_FEE, euros * 100), (EXEMPTION_GRANT, -euros * 100)]
    assert total == 0


def test_missing_schedule_is_an_error_not_a_free_registration():
    with pytest.raises(MissingFeeSchedule):
        compute("2024-2025", DiplomaType.DU)


def test_total_is_never_negative():
    assert total_cents([FeeLine(REGISTRATION_FEE, 100), FeeLine(EXEMPTION_GRANT, -500)]) == 0
    assert total_cents([]) == 0


def test_lines_carry_translated_labels_and_store_as_json():
    line = fee_lines(FeeContext("2024-2025", BUT, grant_holder=True), SCHEDULES["2024-2025"])[1]
    from django.utils import translation

    with translation.override("en"):
        assert str(line.label) == "Exemption: grant holder"
    with translation.override("fr"):
        assert str(line.label) == "Exonération : boursier"
    assert line.as_dict() == {"code": EXEMPTION_GRANT, "amount_cents": -17500}


@pytest.mark.django_db
def test_schedules_for_year_reads_the_seed_in_one_query(demo, django_assert_num_queries):
    for year in (demo.current_year, demo.current_year.pk, "2024-2025"):
        with django_assert_num_queries(1):
            schedules = schedules_for_year(year)
            rates = {diploma: s.full_rate_cents for diploma, s in schedules.items()}
        assert {BUT, LICENCE, MASTER, DOCTORATE, ENGINEERING} <= set(rates)
    assert rates[BUT] == 17500
    with django_assert_num_queries(1):
        lines = fee_lines_for(FeeContext("2024-2025", BUT))
    assert [(line.code, line.amount_cents) for line in lines] == [(REGISTRATION_FEE, 17500)]
