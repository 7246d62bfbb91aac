"""The acceptance of the accessibility statement (issue): the privacy notice, the accessibility
statement and an accessible HTML version of an issued PDF pass axe, in French and in English,
and the statement is reached from the footer."""

import pytest
from django.urls import reverse
from django.utils import translation

from matricule.documents import services as documents
from tests.documents.conftest import png_bytes, upload_file
from tests.payments.conftest import submitted_registration

from .axe import assert_accessible
from .conftest import settle_autosaves

pytestmark = pytest.mark.django_db(transaction=True)


def address(name: str, language: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args or None)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_privacy_notice_and_the_statement_pass_axe(page, demo, language):
    page.goto(address("privacy-notice", language))
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    # The footer leads to the statement, saying the service's state.
    footer_link = page.locator("footer a").filter(has_text="Accessib")
    footer_link.click()
    page.wait_for_url(f"**{address('accessibility-statement', language)}")
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("#remedies").is_visible()
    assert_accessible(page)


def test_an_accessible_certificate_passes_axe_in_both_languages(
    browser, live_server, demo, demo_candidates, iut_agent, live_site
):
    chloe = demo_candidates["accepted"]
    registration = submitted_registration(chloe, demo.current_year, grant="crous")
    for submission in registration.submissions.all():
        documents.upload(submission, upload_file(content=png_bytes()), actor=registration.student.user)
        documents.decide(submission, agent=iut_agent, validate=True)
    from django.conf import settings
    from django.test import Client

    # Signed in as Chloé: her session, in the browser.
    client = Client()
    client.force_login(registration.student.user)
    for language in ("fr", "en"):
        context = settle_autosaves(
            browser.new_context(
                base_url=live_server.url,
                locale="fr-FR" if language == "fr" else "en-GB",
                timezone_id="Europe/Paris",
            )
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(address("certificates:certificate", language, registration.pk))
        twin = address("certificates:certificate-html", language, registration.pk, language)
        page.locator(f'a[href="{twin}"]').click()
        page.wait_for_selector("article.issued-document")
        assert page.locator("article.issued-document").get_attribute("lang") == language
        serial = page.locator(".issued-document-verification dd").first.inner_text()
        assert page.locator(f'a[href$="/verifier/{serial}/"]').count() == 1
        assert_accessible(page)
        # At a phone's width too.
        page.set_viewport_size({"width": 360, "height": 740})
        assert_accessible(page)
        context.close()


def test_the_personal_data_page_passes_axe_in_both_languages(
    browser, live_server, demo, demo_candidates, live_site
):
    from django.conf import settings
    from django.test import Client

    chloe = demo_candidates["accepted"]
    registration = submitted_registration(chloe, demo.current_year, grant="crous")
    client = Client()
    client.force_login(registration.student.user)
    for language in ("fr", "en"):
        context = browser.new_context(
            base_url=live_server.url, locale="fr-FR" if language == "fr" else "en-GB"
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(address("privacy:my-data", language))
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)
        if language == "fr":  # asked once: the tasks run at once, the download is offered
            with page.expect_navigation():
                page.locator("main form button[type=submit]").first.click()
            assert page.locator('main a[href*="/telecharger/"]').count() == 1
            assert_accessible(page)
        page.set_viewport_size({"width": 360, "height": 740})
        assert_accessible(page)
        context.close()
