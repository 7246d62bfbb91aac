import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matricule.institution.models import (
    AcademicYear,
    FeeSchedule,
    Population,
    RegistrationWindow,
    localized,
)


def test_a_window_must_close_after_it_opens(year_2024, paris_time):
    window = RegistrationWindow(
        academic_year=year_2024,
        population=Population.FIRST_MAIN,
        opens_at=paris_time(2024, 7, 8, 12),
        closes_at=paris_time(2024, 7, 1),
    )
    with pytest.raises(ValidationError) as error:
        window.full_clean()
    assert "closes_at" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        window.save()


def test_only_one_current_year(demo):
    current = AcademicYear.objects.current()
    other = AcademicYear.objects.get(code="2024-2025")
    other.is_current = True
    other.save()  # making a year current un-marks the other one
    assert list(AcademicYear.objects.filter(is_current=True)) == [other]
    with pytest.raises(IntegrityError), transaction.atomic():
        AcademicYear.objects.filter(pk=current.pk).update(is_current=True)


@pytest.mark.django_db
def test_year_code_must_be_two_following_years():
    year = AcademicYear(
        code="2024-2026",
        starts_on=datetime.date(2024, 9, 1),
        ends_on=datetime.date(2025, 8, 31),
        cvec_amount_cents=10300,
    )
    with pytest.raises(ValidationError) as error:
        year.full_clean()
    assert "code" in error.value.message_dict


def test_reduced_rate_cannot_exceed_full_rate(year_2024):
    fee = FeeSchedule(
        academic_year=year_2024, diploma_type="MASTER", full_rate_cents=100, reduced_rate_cents=200
    )
    with pytest.raises(ValidationError):
        fee.clean()
    FeeSchedule.objects.filter(academic_year=year_2024, diploma_type="MASTER").delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        fee.save()


def test_localized_text_falls_back_to_french():
    from django.utils import translation

    class Thing:
        message_fr = "Bonjour"
        message_en = ""

    with translation.override("en"):
        assert localized(Thing(), "message") == "Bonjour"
        Thing.message_en = "Hello"
        assert localized(Thing(), "message") == "Hello"
    with translation.override("fr"):
        assert localized(Thing(), "message") == "Bonjour"
