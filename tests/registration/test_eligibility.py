import datetime

import pytest
from django.utils import timezone

from matricule.institution.models import Component, RegistrationWindow
from matricule.registration.eligibility import Reason, eligibility


def test_accepted_main_phase_candidate_may_register_now(demo_candidates):
    verdict = eligibility(demo_candidates["accepted"])
    assert verdict.may_register and verdict.window.population == "first_main"
    assert verdict.component.code == "iut-chartres"


@pytest.mark.parametrize("key", ["keeping_wishes", "refused"])
def test_not_accepted_for_good_may_not_register(demo_candidates, key):
    assert eligibility(demo_candidates[key]).reason == Reason.NOT_ACCEPTED


def test_desk_only_population_gets_the_desk_message(demo_candidates):
    verdict = eligibility(demo_candidates["continuing_education"])
    assert verdict.reason == Reason.OFFLINE
    assert "formation continue" in verdict.offline.message


def test_unmapped_offer_is_sent_to_the_helpline(demo_candidates):
    assert eligibility(demo_candidates["unmapped"]).reason == Reason.NO_STAGE


def test_complementary_phase_waits_for_the_second_period(demo_candidates):
    verdict = eligibility(demo_candidates["complementary"])
    assert verdict.reason == Reason.NOT_OPEN_YET
    assert verdict.window.population == "first_second"
    later = verdict.window.opens_at + datetime.timedelta(hours=1)
    assert eligibility(demo_candidates["complementary"], now=later).may_register


def test_after_every_window_closed(demo_candidates):
    far = timezone.now() + datetime.timedelta(days=400)
    assert eligibility(demo_candidates["accepted"], now=far).reason == Reason.CLOSED


def test_a_window_restricted_to_another_component_does_not_apply(demo_candidates, demo):
    year = demo.current_year
    RegistrationWindow.objects.filter(academic_year=year).delete()
    window = RegistrationWindow.objects.create(
        academic_year=year,
        population="first_main",
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=1),
    )
    window.components.add(Component.objects.get(code="ufr-st"))
    assert eligibility(demo_candidates["accepted"]).reason == Reason.CLOSED
    window.components.add(Component.objects.get(code="iut-chartres"))
    assert eligibility(demo_candidates["accepted"]).may_register
