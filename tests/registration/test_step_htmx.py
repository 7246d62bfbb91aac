"""A step saved by htmx (matricule.registration.views, StepPages.step): the answer is the page
the student goes on to, in one request, with its address to push; without htmx the form is
still posted, redirected and the next page asked for."""

import re

import pytest
from django.urls import translate_url

from matricule.registration.models import State
from matricule.registration.steps import STEPS
from tests.registration.conftest import fill, start

pytestmark = pytest.mark.usefixtures("immediate_tasks")

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
KEYS = [s.key for s in STEPS]


def step_url(registration, key):
    return f"/inscription/{registration.pk}/etape/{key}/"


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_an_htmx_save_answers_with_the_next_step_and_its_address(chloe_client, chloe, answers):
    registration = start(chloe_client)
    response = chloe_client.post(
        step_url(registration, "identity"), {**answers(chloe)["identity"], "action": "next"}, headers=HTMX
    )
    # One request: no redirect to follow, the next step's page is the answer.
    assert response.status_code == 200 and not response.has_header("Location")
    assert response["HX-Push-Url"] == step_url(registration, "ine")
    assert response["HX-Retarget"] == "body" and response["HX-Reswap"].startswith("innerHTML")
    assert response.context["step"].key == "ine"
    html = response.content.decode()
    assert "Identifiant national étudiant" in title(html)
    assert f'hx-post="{step_url(registration, "ine")}"' in html  # the next form posts to its own step
    assert 'name="has_ine"' in html and 'name="birth_town"' not in html
    # The header's language switch names the page shown, not the step posted.
    english = translate_url(step_url(registration, "ine"), "en")
    assert f'href="{english}"' in html
    registration.refresh_from_db()
    assert "identity" in registration.valid_steps and registration.current_step == "ine"


def test_the_last_htmx_save_answers_with_the_review_page(chloe_client, chloe, answers):
    registration = start(chloe_client)
    data = answers(chloe)
    fill(chloe_client, registration, data, keys=set(KEYS[:-1]))
    last = KEYS[-1]
    response = chloe_client.post(step_url(registration, last), {**data[last], "action": "next"}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/inscription/{registration.pk}/verification/"
    assert [t.name for t in response.templates][0] == "registration/review.html"
    html = response.content.decode()
    assert "Vérifier et envoyer" in title(html) and "Envoyer mon inscription" in html
    registration.refresh_from_db()
    assert registration.current_step == "review"


def test_an_invalid_htmx_save_shows_the_errors_and_keeps_what_was_typed(chloe_client, chloe):
    registration = start(chloe_client)
    response = chloe_client.post(
        step_url(registration, "ine"),
        {"has_ine": "yes", "ine": "0494004062A", "action": "next"},
        headers=HTMX,
    )
    # 200, as htmx swaps no 4xx; the same step, its address unchanged.
    assert response.status_code == 200 and not response.has_header("HX-Push-Url")
    assert response["HX-Retarget"] == "body"
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_ine"' in html
    assert 'value="0494004062A"' in html
    registration.refresh_from_db()
    assert registration.data["ine"]["ine"] == "0494004062A" and registration.current_step == "ine"


def test_previous_by_htmx_leaves_an_invalid_step_for_the_one_before(chloe_client, chloe):
    registration = start(chloe_client)
    response = chloe_client.post(
        step_url(registration, "ine"),
        {"has_ine": "yes", "ine": "0494004062A", "action": "previous"},
        headers=HTMX,
    )
    assert response.status_code == 200 and response["HX-Push-Url"] == step_url(registration, "identity")
    assert response.context["step"].key == "identity"
    registration.refresh_from_db()
    assert registration.data["ine"]["ine"] == "0494004062A"  # saved as typed all the same


def test_without_htmx_the_save_is_still_redirected(chloe_client, chloe, answers):
    registration = start(chloe_client)
    response = chloe_client.post(
        step_url(registration, "identity"), {**answers(chloe)["identity"], "action": "next"}
    )
    assert response.status_code == 302 and response["Location"] == step_url(registration, "ine")
    assert not response.has_header("HX-Push-Url")
    invalid = chloe_client.post(
        step_url(registration, "ine"), {"has_ine": "yes", "ine": "0494004062A", "action": "next"}
    )
    assert invalid.status_code == 400


def test_a_submitted_registration_sends_htmx_to_its_page(chloe_client, chloe, answers):
    registration = start(chloe_client)
    fill(chloe_client, registration, answers(chloe))
    chloe_client.post(f"/inscription/{registration.pk}/verification/")
    registration.refresh_from_db()
    assert registration.state != State.DRAFT
    response = chloe_client.post(
        step_url(registration, "ine"),
        {"has_ine": "no", "no_ine_reason": "other", "action": "next"},
        headers=HTMX,
    )
    # Not a 302, which the browser's XMLHttpRequest would follow and draw under the step's address.
    assert response.status_code == 200 and response["HX-Redirect"] == f"/inscription/{registration.pk}/"
    registration.refresh_from_db()
    assert registration.cleaned["ine"]["has_ine"] == "yes"


def test_the_step_form_is_sent_by_htmx_and_autosaves_apart(chloe_client, chloe):
    registration = start(chloe_client)
    html = chloe_client.get(step_url(registration, "previous")).content.decode()
    form = re.search(r"<form method=\"post\" novalidate class=\"form step-form\"[^>]*>", html).group(0)
    assert f'hx-post="{step_url(registration, "previous")}"' in form and 'hx-target="body"' in form
    assert 'hx-history="false"' in form  # no copy of the student's data in the browser's storage
    autosave = re.search(r'<p id="autosave-status"[^>]*>', html).group(0)
    assert f'hx-post="{step_url(registration, "previous")}enregistrer/"' in autosave
    assert "from:closest form" in autosave and 'hx-sync="closest form:abort"' in autosave
    assert "/static/js/step-form.js" in html


def test_an_htmx_save_after_the_session_is_lost_sends_the_browser_to_the_login(client, chloe_client, chloe):
    registration = start(chloe_client)
    client.logout()
    response = client.post(step_url(registration, "ine"), {"has_ine": "no", "action": "next"}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/connexion/")
    assert not client.post(step_url(registration, "ine"), {"action": "next"}).has_header("HX-Redirect")


def test_the_messages_waiting_show_on_the_page_swapped_in(chloe_client, chloe, answers):
    registration = start(chloe_client)
    data = answers(chloe)
    fill(chloe_client, registration, data, keys={"identity"})
    # Submitting too early leaves a message for the next page shown (not followed here).
    chloe_client.post(f"/inscription/{registration.pk}/verification/")
    response = chloe_client.post(
        step_url(registration, "ine"), {**data["ine"], "goto": "review"}, headers=HTMX
    )
    assert response["HX-Push-Url"] == f"/inscription/{registration.pk}/verification/"
    assert "ne sont pas encore complètes" in response.content.decode()
    # Shown once, as after a page load.
    again = chloe_client.get(f"/inscription/{registration.pk}/verification/").content.decode()
    assert "ne sont pas encore complètes" not in again
