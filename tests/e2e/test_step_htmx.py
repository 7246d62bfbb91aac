"""The registration's steps with JavaScript (issue 20): a step saved by htmx is answered with the
next one in one request, its address pushed, its title set and its heading focused (or the
error summary); Back leads to the step before, as saved."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from matricule.accounts.admission_login import user_for_candidate
from matricule.registration.models import Registration

from .axe import assert_accessible
from .conftest import settle_autosaves, swapped

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate_tasks")]


@pytest.fixture
def student_page(browser, live_server, demo, demo_candidates):
    """Chloé's browser, signed in, her registration started (by the test client: the login
    itself is another test's)."""
    client = Client()
    client.force_login(user_for_candidate(demo_candidates["accepted"]))
    assert client.post("/inscription/commencer/").status_code == 302
    context = settle_autosaves(
        browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
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
    yield page, Registration.objects.get(academic_year__is_current=True)
    context.close()


def save(page):
    page.get_by_role("button", name="Enregistrer et continuer").click()


def test_two_steps_saved_by_htmx_without_a_page_load_and_back(student_page):
    page, registration = student_page
    base = f"/inscription/{registration.pk}/etape/"
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url.split("?")[0])))
    errors = []  # a script refused by the CSP, an htmx error
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + "identity/")
    expect(page.locator("main h1")).to_have_text("Identité")
    # Set on this document: still there after the saves if no page was loaded.
    page.evaluate("window.matriculeSamePage = true")

    # Step 1, identity: saved, and the next step is the answer.
    page.get_by_label("Commune de naissance").fill("Chartres")
    page.get_by_label("Pays de naissance").select_option(label="France")
    page.get_by_label("Nationalité").select_option(label="France")
    requests.clear()
    save(page)
    page.wait_for_url(re.compile(r"/etape/ine/$"))
    heading = page.locator("main h1")
    expect(heading).to_have_text("Identifiant national étudiant")
    expect(heading).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Identifiant national étudiant · "))
    assert page.evaluate("window.matriculeSamePage") is True
    saves = [r for r in requests if r[1].endswith(base + "identity/")]
    assert saves == [("POST", page.url.replace("ine/", "identity/"))]
    assert not [r for r in requests if r[0] == "GET" and "/etape/" in r[1]]  # no GET of the next step
    assert_accessible(page)

    # Step 2, INE: a wrong key first, kept as typed, the error summary focused, same address.
    page.get_by_role("group", name="Avez-vous un identifiant national étudiant (INE) ?").get_by_label(
        "Oui", exact=True
    ).check()
    page.get_by_label("INE ou BEA").fill("0494004062a")
    save(page)
    summary = page.locator("main .error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_label("INE ou BEA")).to_have_value("0494004062a")
    assert page.url.endswith(base + "ine/")
    assert_accessible(page)
    page.get_by_label("INE ou BEA").fill("0494004062m")
    save(page)
    page.wait_for_url(re.compile(r"/etape/baccalaureate/$"))
    expect(page.locator("main h1")).to_have_text("Baccalauréat")
    expect(page.locator("main h1")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Baccalauréat · "))
    assert page.evaluate("window.matriculeSamePage") is True
    assert_accessible(page)

    # Back: the step before, as saved (loaded again: htmx keeps no copy of a step).
    page.go_back()
    page.wait_for_url(re.compile(r"/etape/ine/$"))
    expect(page.locator("main h1")).to_have_text("Identifiant national étudiant")
    expect(page.get_by_label("INE ou BEA")).to_have_value("0494004062m")
    expect(page).to_have_title(re.compile(r"^Identifiant national étudiant · "))
    page.go_back()
    page.wait_for_url(re.compile(r"/etape/identity/$"))
    expect(page.get_by_label("Commune de naissance")).to_have_value("Chartres")
    assert_accessible(page)
    # Nothing of the student's in the browser's storage (htmx's history cache).
    assert "Chartres" not in (page.evaluate("localStorage.getItem('htmx-history-cache')") or "")
    assert errors == []

    # "Previous step", sent by htmx too: the button pressed goes with the form.
    page.goto(base + "baccalaureate/")
    with swapped(page):
        page.get_by_role("button", name="Étape précédente").click()
    page.wait_for_url(re.compile(r"/etape/ine/$"))
    expect(page.locator("main h1")).to_be_focused()


def test_an_error_answer_to_htmx_sends_the_form_again_without_it(student_page):
    page, registration = student_page
    base = f"/inscription/{registration.pk}/etape/"
    sent = []

    def fail_htmx(route):
        # The server's error (a 500) for htmx's request; the plain POST that follows goes through.
        request = route.request
        sent.append((request.headers.get("hx-request"), request.post_data))
        if request.headers.get("hx-request"):
            route.fulfill(status=500, body="Server Error")
        else:
            route.continue_()

    page.goto(base + "ine/")
    page.route(f"**{base}ine/", fail_htmx)
    page.get_by_role("group", name="Avez-vous un identifiant national étudiant (INE) ?").get_by_label(
        "Oui", exact=True
    ).check()
    page.get_by_label("INE ou BEA").fill("0494004062m")
    with page.expect_navigation(url=re.compile(r"/etape/baccalaureate/$")):
        save(page)
    assert [h for h, _ in sent] == ["true", None]
    assert "action=next" in sent[1][1] and "0494004062m" in sent[1][1]
    registration.refresh_from_db()
    assert registration.cleaned["ine"]["ine"].lower() == "0494004062m"
