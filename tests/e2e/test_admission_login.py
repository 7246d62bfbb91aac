"""The seed's step 3 in a browser: Parcoursup details → emailed link → student home."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from .axe import assert_accessible

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate_tasks")]


def ask_for_link(page, number, birth_date, email):
    page.goto("/connexion/")
    page.get_by_label("Numéro Parcoursup").fill(number)
    page.get_by_label("Date de naissance").fill(birth_date)
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_role("button", name="Recevoir mon lien de connexion").click()
    page.wait_for_url("**/connexion/envoye/")


def last_link() -> str:
    match = re.search(r"(https?://\S+/connexion/lien/\S+/)", mail.outbox[-1].body)
    assert match
    return match.group(1)


def test_a_demo_candidate_logs_in_with_an_emailed_link(page, live_server, demo_candidates):
    chloe = demo_candidates["accepted"]
    page.goto("/")
    page.get_by_role("link", name="Me connecter avec mes identifiants Parcoursup").click()
    page.wait_for_url("**/connexion/")
    assert_accessible(page)
    ask_for_link(page, f"P{chloe.parcoursup_number}", chloe.birth_date.isoformat(), chloe.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    assert_accessible(page)

    link = last_link().replace("http://127.0.0.1:8000", live_server.url)
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Continuer vers mon inscription").click()
    page.wait_for_url("**/etudiant/")
    assert chloe.last_name in page.content()
    assert "Vous pouvez vous inscrire en ligne" in page.content()
    assert_accessible(page)

    # The same link a second time, from another browser: refused.
    other = page.context.browser.new_context(base_url=live_server.url).new_page()
    other.goto(link)
    assert "déjà été utilisé" in other.content()
    other.context.close()

    # Log out.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server.url + "/")  # signed out before the next address is asked
    page.goto("/etudiant/")
    expect(page).to_have_url(re.compile(r"/connexion/"))


def test_an_eleven_minute_old_link_is_refused(page, live_server, demo_candidates):
    chloe = demo_candidates["accepted"]
    ask_for_link(page, chloe.parcoursup_number, chloe.birth_date.isoformat(), chloe.email)
    link = last_link().replace("http://127.0.0.1:8000", live_server.url)
    with time_machine.travel(datetime.timedelta(minutes=11)):
        page.goto(link)
        assert "expiré" in page.content()
    assert_accessible(page)


def test_errors_are_announced_and_input_kept(page, demo):
    page.goto("/connexion/")
    page.get_by_label("Numéro Parcoursup").fill("abc")
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_role("button", name="Recevoir mon lien de connexion").click()
    # The fields of the page before the answer hold the same values: the error summary comes first.
    expect(page.get_by_role("alert")).to_contain_text("Numéro Parcoursup")
    expect(page.get_by_label("Numéro Parcoursup")).to_have_value("abc")
    expect(page.get_by_label("Adresse électronique")).to_have_value("pas-une-adresse")
    assert_accessible(page)
