"""Issue 5 in a browser: pay the 2024-2025 BUT fee (175 €) in the simulator, or be refused and
try again."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matricule.demo.seed import seed
from matricule.institution.models import RegistrationWindow
from matricule.registration.models import Registration, State
from tests.payments.conftest import submitted_registration

from .axe import assert_accessible
from .test_registration import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign_2024(live_site):
    """The demo as it was during the 2024-2025 campaign, with first registration open now (the
    bank's notification reaches the live server)."""
    result = seed(datetime.date(2024, 7, 10))
    RegistrationWindow.objects.filter(academic_year=result.current_year).update(
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    return result


def pay_with(page, card):
    page.get_by_role("button", name=re.compile(r"Payer 175")).click()
    page.wait_for_url("**/simulateur-paiement/payer/")  # sent on by the auto-submitting form
    assert_accessible(page)
    page.get_by_label("Numéro de carte").fill(card)
    page.get_by_label("Date d'expiration (MM/AA)").fill("12/30")
    page.get_by_label("Code de sécurité").fill("123")
    page.get_by_role("button", name=re.compile(r"^Payer 175")).click()
    # Back from the bank (the return page, or the registration once confirmed).
    page.wait_for_url(lambda url: "/simulateur-paiement/" not in url)


def test_a_student_pays_175_euros_and_is_registered(page, live_server, campaign_2024):
    chloe = campaign_2024.candidates[0]
    registration = submitted_registration(chloe, campaign_2024.current_year)
    assert registration.state == State.AWAITING_PAYMENT
    log_in(page, live_server, chloe)
    page.get_by_role("link", name="Voir mon inscription").click()
    page.get_by_role("link", name="Payer mes droits d'inscription").click()
    page.wait_for_url(f"**/inscription/{registration.pk}/paiement/")
    # The breakdown shown before paying is the registration's fee lines (spaces normalised).
    table = page.get_by_role("table")
    expect(table).to_contain_text("175 €")
    expect(table).to_contain_text("Total")
    assert registration.fee_lines == [{"code": "registration_fee", "amount_cents": 17500}]
    assert_accessible(page)
    pay_with(page, "4111 1111 1111 1111")
    page.get_by_text(re.compile(r"Votre numéro étudiant est")).wait_for()
    registration.refresh_from_db()
    assert registration.state == State.REGISTERED
    assert registration.student.student_number in page.content()
    assert_accessible(page)


def test_a_refused_card_can_try_again_without_a_second_registration(page, live_server, campaign_2024):
    lea = next(c for c in campaign_2024.candidates if c.first_names.startswith("Léa"))
    registration = submitted_registration(lea, campaign_2024.current_year)
    log_in(page, live_server, lea)
    page.goto(f"/inscription/{registration.pk}/paiement/")
    pay_with(page, "4000 0000 0000 0002")
    expect(page.locator("main")).to_contain_text("refusé")
    assert_accessible(page)
    page.get_by_role("link", name="Réessayer").click()
    page.wait_for_url(f"**/inscription/{registration.pk}/paiement/")
    expect(page.locator("main")).to_contain_text("refusé")  # the pay page says what happened last time
    pay_with(page, "4111111111111111")
    page.get_by_text(re.compile(r"Votre numéro étudiant est")).wait_for()
    assert Registration.objects.filter(student=registration.student).count() == 1
    assert registration.payments.count() == 2
