"""An import followed on its progress page in a browser (issue 16): the admin uploads a file of
admitted candidates, the task worker imports it while the page is open, and the page reaches
"done" — with JavaScript, htmx replaces the progress fragment without reloading the page; without
it, the page reloads itself (the meta refresh) until the import is over."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from matricule.admissions.models import ImportRun
from tests.admissions.conftest import DATA

from .axe import BLOCKING

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = DATA / "admis-parcoursup.csv"


@pytest.fixture(autouse=True)
def database_queue(settings):
    """The task queue as production runs it: the upload queues the import, the worker (run by
    the test, while the page is open) imports it."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


def assert_accessible(page) -> None:
    """No serious or critical axe violation in the progress page's own content (the admin's
    breadcrumbs and menus are Django's, the same on every admin page, not checked here)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        context="#content",
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            },
            "resultTypes": ["violations"],
        },
    )
    violations = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)


def sign_in(context, live_server, user) -> None:
    """A signed-in admin session (the staff sign-in has its own tests)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def upload(page) -> ImportRun:
    page.goto("/admin/admissions/importrun/upload/")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "admis.csv", "mimeType": "text/csv", "buffer": SAMPLE.read_bytes()}],
    )
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    run = ImportRun.objects.get()
    assert page.url.endswith(f"/admin/admissions/importrun/{run.pk}/progress/")
    assert run.status == ImportRun.Status.QUEUED  # the worker has not run yet
    return run


def test_with_javascript_the_fragment_is_replaced_until_done_without_reloading(
    page, live_server, administrator
):
    sign_in(page.context, live_server, administrator)
    run = upload(page)
    status = page.locator("#job-status")
    expect(status).to_contain_text("En attente")
    expect(page.locator("#job-progress")).to_have_attribute("hx-trigger", "every 2s")
    assert_accessible(page)
    page.evaluate("window.__marker = 1")

    run_worker()

    # htmx fetched the fragment, saw the import over, and swapped it in; the status sentence,
    # which stays on the page (role=status), was updated out of band.
    expect(status).to_contain_text("Terminé")
    report = page.locator("#job-result a")
    expect(report).to_have_attribute("href", f"/admin/admissions/importrun/{run.pk}/report/")
    expect(page.locator("#job-counts")).to_contain_text("5")
    expect(page.locator("#job-progress-bar")).to_have_attribute("value", "100")
    assert page.evaluate("window.__marker") == 1  # the same page: never reloaded
    assert page.locator("#job-progress").get_attribute("hx-trigger") is None  # polling stopped
    assert_accessible(page)
    run.refresh_from_db()
    assert (run.status, run.created, run.stored_file) == (ImportRun.Status.DONE, 5, "")

    report.click()
    expect(page.locator("#import-counts")).to_be_visible()


def test_without_javascript_the_page_reloads_itself_until_done(browser, live_server, administrator):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(context, live_server, administrator)
        run = upload(page)
        expect(page.locator("#job-status")).to_contain_text("En attente")

        run_worker()

        # The meta refresh reloads the page (every 2 s) until it says the import is over.
        expect(page.locator("#job-status")).to_contain_text("Terminé")
        expect(page.locator("#job-result a")).to_have_attribute(
            "href", f"/admin/admissions/importrun/{run.pk}/report/"
        )
        assert "http-equiv" not in page.content()
    finally:
        context.close()
