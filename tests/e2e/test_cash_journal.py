"""The desk's cash journal in a real browser, at a desk's width (1366 × 900) and a tablet's
(768 × 1024): the day's takings, the close with the cash counted, axe on both."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matricule.accounts.models import User
from matricule.payments.models import ManualMethod
from tests.backoffice.conftest import make_registrations
from tests.backoffice.test_cash_journal import taken

from .axe import assert_accessible
from .conftest import staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 768, "height": 1024}])
def test_an_agent_closes_the_days_cash_journal(browser, live_server, demo, viewport):
    agent = User.objects.get(username="agent.chartres")
    registrations = make_registrations("GEII-1", 2, "registered", demo.current_year)
    now = timezone.now() - datetime.timedelta(minutes=5)
    if timezone.localtime(now).date() != timezone.localdate():  # just after midnight
        now = timezone.now()
    taken(registrations[0], ManualMethod.CASH, 17800, now, agent=agent)
    taken(registrations[1], ManualMethod.CHEQUE, 17800, now, agent=agent, ref="2600000/1")

    page = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=viewport).new_page()
    page.set_default_timeout(15_000)
    staff_sign_in(page, "agent.chartres")
    page.wait_for_url("**/gestion/")
    page.get_by_role("link", name="Journal de caisse").click()
    page.wait_for_url("**/gestion/guichet/caisse/")
    expect(
        page.get_by_role("table", name="Argent encaissé au guichet, par moyen de paiement")
    ).to_contain_text("356")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.get_by_label("Espèces comptées dans la caisse (€)").fill("170")
    with page.expect_navigation():
        page.get_by_role("button", name="Clôturer la journée").click()
    expect(page.locator("main")).to_contain_text("Clôturée par")
    expect(page.locator("main")).to_contain_text("8\xa0€ de moins que les espèces enregistrées")
    assert_accessible(page)
    page.context.close()
