"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser)."""

import contextlib
import os
import re
import shutil

import pytest
from django.core import mail
from playwright.sync_api import expect

# Assertions wait as long as actions do (the pages' default timeout below): a busy CI machine
# answers slowly, not wrongly.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("MATRICULE_CHROMIUM", "/usr/bin/chromium")
# A step's autosave (htmx, 400 ms after a change) can fire while the step's own submit is still
# being answered, when the machine is slow. PostgreSQL makes the two requests wait for each other;
# the in-memory SQLite test database, shared by the live server's threads, fails one of them
# ("database table is locked"). A page whose form is submitted is being left: on SQLite its
# autosaves are dropped from then on, until the next page (loaded, or swapped in whole by htmx
# when the step form itself is sent by htmx, which goes through).
NO_AUTOSAVE_AFTER_SUBMIT = """
addEventListener("submit", () => { window.matriculeLeaving = true; });
addEventListener("htmx:beforeRequest", (event) => {
  if (window.matriculeLeaving && event.detail.elt.tagName !== "FORM") event.preventDefault();
});
addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target === document.body) window.matriculeLeaving = false;
});
"""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def follow_login_link(page, live_server):
    """Sends the filled-in login link request, then follows the emailed link to the student's
    home (the link names the default address: the live server's stands for it)."""
    page.get_by_role("button", name="Recevoir mon lien de connexion").click()
    page.wait_for_url("**/connexion/envoye/")
    link = re.search(r"(https?://\S+/connexion/lien/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    page.get_by_role("button", name="Continuer vers mon inscription").click()
    page.wait_for_url("**/etudiant/")


def staff_sign_in(page, username, address="/gestion/connexion/"):
    """A demo agent signs in with the staff form (the demo's agents share one password); the
    caller waits for the page that follows."""
    page.goto(address)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("matricule-agent")
    page.locator("form button[type=submit]").click()


@contextlib.contextmanager
def swapped(page):
    """Around a click that sends a registration step: htmx sends it and its answer (the next
    page, or the step again with its errors) replaces the page's body without a page load to wait
    for. Waits until the page's old main part is gone and the new one has the focus: the answer
    is in place and settled."""
    old = page.locator("main").element_handle()
    yield
    page.wait_for_function("(main) => !main.isConnected", arg=old)
    # ...and settled: htmx has wired the new page (its autosave among the rest) once step-form.js
    # has moved the focus into it, as a student's next key press would find it. Without this, a
    # field changed at once on a busy machine could be changed before its autosave listens.
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('main') !== null")


def settle_autosaves(context):
    from django.db import connection

    if connection.vendor == "sqlite":
        context.add_init_script(NO_AUTOSAVE_AFTER_SUBMIT)
    return context


@pytest.fixture
def live_site(settings, live_server, immediate_tasks):
    """Tasks (the emails) run at once, and the links in emails and the bank's notifications lead
    to the live server."""
    settings.SITE_URL = live_server.url


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    settle_autosaves(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A 360 px wide phone screen."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    settle_autosaves(context)
    page = context.new_page()
    yield page
    context.close()
