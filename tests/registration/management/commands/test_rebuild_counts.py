"""`manage.py rebuild_counts`: the counts of every year, or of the years named, recomputed from
the registrations; an unknown year is refused."""

import io

import pytest
from django.core.management import CommandError, call_command

from matricule.institution.models import AcademicYear
from matricule.registration import counts
from matricule.registration.models import RegistrationCount, RegistrationCountsBuilt
from tests.backoffice.conftest import make_registrations


def test_rebuilds_every_year_from_the_rows(demo):
    year = demo.current_year
    last = AcademicYear.objects.get(code="2024-2025")
    make_registrations("GEII-1", 3, "awaiting_payment", year)
    make_registrations("GEII-1", 2, "registered", last)
    out = io.StringIO()
    call_command("rebuild_counts", stdout=out)
    assert "academic year" in out.getvalue()
    assert counts.year_counts(year.pk, None).submitted == 3
    assert counts.year_counts(last.pk, None).registered == 2
    rows = RegistrationCount.objects.count()
    call_command("rebuild_counts", verbosity=0)  # idempotent
    assert RegistrationCount.objects.count() == rows
    assert set(RegistrationCountsBuilt.objects.values_list("academic_year_id", flat=True)) == set(
        AcademicYear.objects.values_list("pk", flat=True)
    )


def test_rebuilds_the_years_named_only(demo):
    year = demo.current_year
    last = AcademicYear.objects.get(code="2024-2025")
    make_registrations("GEII-1", 1, "draft", year)
    make_registrations("GEII-1", 1, "draft", last)
    call_command("rebuild_counts", "--year", last.code, verbosity=0)
    assert counts.year_counts(last.pk, None).started == 1
    assert counts.year_counts(year.pk, None).started == 0  # bulk-made, not rebuilt


def test_an_unknown_year_is_refused(demo):
    with pytest.raises(CommandError, match="1999-2000"):
        call_command("rebuild_counts", "--year", "1999-2000")
