import re

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_public_page_in_french_is_accessible(page, demo):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^S'inscrire"))
    expect(page.locator(".badge--open").first).to_have_text("Ouverte")
    assert_accessible(page)


def test_skip_link_moves_to_the_main_content(page, demo):
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu principal")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#content$"))


def test_language_switch_to_english_and_back(page, demo):
    page.goto("/annee/2024-2025/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/year/2024-2025/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("8 July 2024 at 12:00").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**/annee/2024-2025/")
    expect(page.get_by_text("8 juillet 2024 à 12:00").first).to_be_visible()


def test_readable_on_a_360_px_phone_without_horizontal_scrolling(phone_page, demo):
    phone_page.goto("/annee/2024-2025/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert axe_violations(phone_page) == []


def test_the_page_works_without_javascript(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()
