"""The back office in a real browser at a desk's width (1366 × 900) and on a 360 px phone: wide
tables use the screen, references and amounts are never broken across lines, nothing scrolls the
whole page sideways, and the student's file passes axe."""

import pytest

from matricule.payments.models import Payment
from tests.requests.conftest import paid  # noqa: F401

from .axe import assert_accessible
from .conftest import staff_sign_in


def _student_file(browser, live_server, registration, viewport):
    page = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=viewport).new_page()
    page.set_default_timeout(15_000)
    staff_sign_in(page, "agent.chartres")
    page.wait_for_url("**/gestion/")
    page.goto(f"/gestion/etudiant/{registration.student_id}/")
    return page


@pytest.fixture
def long_reference(paid):  # noqa: F811
    # A cheque number as registrars type them: one word that must not wrap.
    Payment.objects.filter(registration=paid).update(manual_method="cheque", manual_reference="2600000/1")
    return paid


def test_at_a_desks_width_the_file_uses_the_screen_and_keeps_references_whole(
    browser, live_server, long_reference
):
    page = _student_file(browser, live_server, long_reference, {"width": 1366, "height": 900})
    main_width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    assert main_width > 1200  # not a phone's column in the middle of a desk's screen
    cell = page.locator("td", has_text="2600000/1").first
    line_height = page.evaluate(
        "el => parseFloat(getComputedStyle(el).lineHeight) || 20", cell.element_handle()
    )
    assert cell.bounding_box()["height"] < 2 * line_height + 12  # one line: the reference is whole
    assert_accessible(page)


def test_on_a_phone_nothing_scrolls_the_whole_page_sideways(browser, live_server, long_reference):
    page = _student_file(browser, live_server, long_reference, {"width": 360, "height": 740})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1  # wide tables scroll inside their own box
