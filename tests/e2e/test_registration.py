"""Issue 4's journey on a 360 px phone: log in, fill half, lose the session, resume, finish."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from matricule.demo.seed import cvec_number

from .axe import assert_accessible
from .conftest import follow_login_link, swapped

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate_tasks")]


def log_in(page, live_server, candidate):
    page.goto("/connexion/")
    page.get_by_label("Numéro Parcoursup").fill(f"P{candidate.parcoursup_number}")
    page.get_by_label("Date de naissance").fill(candidate.birth_date.isoformat())
    page.get_by_label("Adresse électronique").fill(candidate.email)
    follow_login_link(page, live_server)


def next_step(page):
    # The answer is the next step or this one again with its errors (same address), swapped in by
    # htmx: wait for it, as the page already there would satisfy wait_for_load_state at once.
    with swapped(page):
        page.get_by_role("button", name=re.compile("Enregistrer et (continuer|vérifier)")).click()


def choose(page, legend, option):
    page.get_by_role("group", name=legend).get_by_label(option, exact=True).check()


def test_register_on_a_phone_resume_after_losing_the_session_and_get_the_summary(
    phone_page, live_server, demo, demo_candidates
):
    page = phone_page
    page.context.set_default_timeout(15_000)
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")  # base_url of the phone context is the live server
    chloe = demo_candidates["accepted"]
    log_in(page, live_server, chloe)
    page.get_by_role("button", name="Commencer mon inscription").click()
    page.wait_for_url("**/etape/identity/")

    # Identity (prefilled where Parcoursup knew it).
    assert_accessible(page)
    page.get_by_label("Commune de naissance").fill("Chartres")
    page.get_by_label("Pays de naissance").select_option(label="France")
    page.get_by_label("Nationalité").select_option(label="France")
    next_step(page)
    # INE: a wrong key first, kept as typed with its error.
    choose(page, "Avez-vous un identifiant national étudiant (INE) ?", "Oui")
    page.get_by_label("INE ou BEA").fill("0494004062a")
    next_step(page)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("INE ou BEA")).to_have_value("0494004062a")
    assert_accessible(page)
    page.get_by_label("INE ou BEA").fill("0494004062m")
    next_step(page)
    # Baccalaureate.
    assert_accessible(page)
    choose(page, "Diplôme donnant accès à l'enseignement supérieur", "Baccalauréat français")
    page.get_by_label("Année d'obtention").fill("2026")
    page.get_by_label("Voie ou série").select_option("Générale")
    page.get_by_label("Établissement (nom ou code UAI)").fill("Lycée Marceau")
    next_step(page)
    # Last year: half filled, then the session is lost.
    page.get_by_label("Établissement fréquenté en dernier").fill("Lycée Marceau")
    page.keyboard.press("Tab")  # htmx saves the field as it changes, without leaving the step
    page.locator("#autosave-status").get_by_text(re.compile("Enregistré à")).wait_for()

    Session.objects.all().delete()  # the server forgets every session
    page.goto("/etudiant/")
    expect(page).to_have_url(re.compile(r"/connexion/"))
    log_in(page, live_server, chloe)
    page.get_by_role("link", name="Reprendre mon inscription").click()
    page.wait_for_url(re.compile(r"/etape/[\w-]+/$"))
    # The step menu posts the form: what is typed next goes to the page that answers.
    with swapped(page):
        page.get_by_role("button", name=re.compile("Dernière année")).click()
    expect(page.get_by_label("Établissement fréquenté en dernier")).to_have_value("Lycée Marceau")
    page.get_by_label("Votre situation l'an dernier").select_option("secondary")
    page.get_by_label("Dernière année de fréquentation").fill("2026")
    next_step(page)
    # Contacts.
    assert_accessible(page)
    page.get_by_label("Adresse pendant l'année universitaire").fill("12 rue des Écuyers")
    page.get_by_label("Code postal", exact=True).fill("28000")
    page.get_by_label("Commune", exact=True).fill("Chartres")
    choose(page, "Est-ce aussi votre adresse permanente (familiale) ?", "Oui")
    page.get_by_label("Téléphone portable").fill("06 12 34 56 78")
    page.get_by_label("Adresse électronique personnelle, à nouveau").fill(chloe.email)
    page.get_by_label("Personne à prévenir en cas d'urgence").fill("Anne Lefèvre")
    page.get_by_label("Son numéro de téléphone").fill("06 98 76 54 32")
    next_step(page)
    # Social situation: grant holder, so nothing to pay.
    assert_accessible(page)
    choose(page, "Êtes-vous boursier cette année ?", "Bourse sur critères sociaux du CROUS")
    choose(page, "Travaillerez-vous en parallèle de vos études ?", "Non")
    choose(page, "Êtes-vous sportif de haut niveau ?", "Non")
    choose(
        page,
        "Souhaitez-vous demander un aménagement d'études ou d'examens (handicap, maladie longue) ?",
        "Non",
    )
    next_step(page)
    # CVEC.
    assert_accessible(page)
    page.get_by_label("Numéro d'attestation CVEC").fill(cvec_number(demo.current_year, chloe))
    next_step(page)
    # Programme and consents.
    assert_accessible(page)
    page.get_by_label("Je confirme m'inscrire dans cette étape de formation").check()
    choose(page, "L'université peut-elle imprimer votre photo sur votre carte d'étudiant ?", "Oui")
    page.get_by_label("J'ai lu le règlement de l'université et je l'accepte").check()
    page.get_by_label("J'ai lu la notice sur le traitement de mes données personnelles").check()
    next_step(page)
    # Review and submit.
    expect(page).to_have_url(re.compile(r"/verification/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier et envoyer")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.wait_for_url(re.compile(r"/inscription/\d+/$"))  # a grant holder: registered, nothing to pay
    assert_accessible(page)
    number = page.locator("strong", has_text=re.compile(r"^\d{8}$")).first
    expect(number).to_have_text(re.compile(r"000001$"))
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger mon récapitulatif")).click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
