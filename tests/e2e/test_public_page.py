import pytest

from .axe import assert_accessible, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_public_page_in_french_is_accessible(page, demo):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text().startswith("S'inscrire")
    assert page.locator(".badge--open").first.inner_text() == "Ouverte"
    assert_accessible(page)


def test_skip_link_moves_to_the_main_content(page, demo):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu principal")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.url.endswith("#content")


def test_language_switch_to_english_and_back(page, demo):
    page.goto("/annee/2024-2025/")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/year/2024-2025/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("8 July 2024 at 12:00").first.is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**/annee/2024-2025/")
    assert page.get_by_text("8 juillet 2024 à 12:00").first.is_visible()


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
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()
