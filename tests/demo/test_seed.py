import datetime

import pytest
from django.utils import timezone

from matricule.demo.seed import campaign_code_for, seed
from matricule.institution import models as m


def test_first_registration_is_open_now(demo):
    year = m.AcademicYear.objects.current()
    assert year == demo.current_year
    window = m.RegistrationWindow.objects.get(academic_year=year, population=m.Population.FIRST_MAIN)
    assert window.is_open(timezone.now())


def test_demo_has_the_seed_calendar_and_the_iut_de_chartres(demo, paris_time):
    year = m.AcademicYear.objects.get(code="2024-2025")
    windows = {w.population: w for w in year.windows.all()}
    assert windows["first_main"].opens_at == paris_time(2024, 7, 8, 12)
    assert windows["first_second"].opens_at == paris_time(2024, 8, 21)
    assert windows["reregistration"].closes_at.date() == datetime.date(2024, 9, 3)
    assert year.cvec_amount_cents == 10300
    chartres = m.Component.objects.get(code="iut-chartres")
    assert chartres.phone_list == ["02 37 91 83 09", "02 37 91 83 47"]
    assert chartres.email == "scolarite.iut28@univ-orleans.fr"
    fees = year.fee_schedules.get(diploma_type="BUT")
    assert (fees.full_rate_cents, fees.reduced_rate_cents) == (17500, 11600)


def test_demo_programmes_carry_the_sample_files_codes(demo):
    assert m.Stage.objects.get(parcoursup_code="GEII-1").code == "GEII-1"
    assert m.Stage.objects.get(parcoursup_code="GEA-1").programme.component.code == "iut-chartres"
    gea1 = m.Stage.objects.get(code="GEA-1")
    assert gea1.next_stage.code == "GEA-2" and gea1.next_stage.next_stage.code == "GEA-3"
    assert m.Stage.objects.get(code="GEA-3").next_stage is None
    but_programmes = m.Programme.objects.filter(diploma_type="BUT")
    assert but_programmes.count() >= 4
    assert all(p.stages.count() == 3 for p in but_programmes)
    assert m.Programme.objects.filter(diploma_type="LICENCE").exists()


@pytest.mark.parametrize(
    ("today", "code"),
    [
        (datetime.date(2026, 11, 26), "2026-2027"),
        (datetime.date(2027, 3, 1), "2026-2027"),
        (datetime.date(2024, 7, 8), "2024-2025"),
    ],
)
def test_campaign_year_follows_the_calendar(today, code):
    assert campaign_code_for(today) == code


@pytest.mark.django_db
def test_running_the_demo_in_2024_keeps_one_current_year():
    seed(datetime.date(2024, 7, 10))
    seed()
    assert m.AcademicYear.objects.filter(is_current=True).count() == 1
