"""A continuing student re-registers in a browser: fewer than 8 page loads from login to payment,
with last year's data prefilled; the other result codes get the right message."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matricule.demo.continuing import PASSWORD, cvec_number_for
from matricule.institution.models import AcademicYear, Population, RegistrationWindow
from tests.registration.test_reregistration import continuing

from .axe import assert_accessible
from .conftest import follow_login_link

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def log_in_with_password(page, student):
    page.goto("/compte/connexion/")
    page.get_by_label("Numéro étudiant ou adresse électronique").fill(student.student_number)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/etudiant/")


def test_an_adm_but1_student_re_registers_in_but2_in_fewer_than_8_page_loads(page, live_server, demo):
    emma = continuing("emma")
    loads = []
    # Documents loaded: a step saved by htmx changes the address (history API) without a load.
    page.on("load", lambda loaded: loads.append(loaded.url))

    log_in_with_password(page, emma)
    assert_accessible(page)
    expect(page.get_by_text("Vous pouvez vous réinscrire en BUT2 GEII")).to_be_visible()
    page.get_by_role("button", name="Me réinscrire").click()
    # Last year's details, to confirm in one click.
    page.get_by_role("heading", name="Confirmez vos informations").wait_for()
    expect(page.get_by_text("12 rue du Bois Merrain")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Rien n'a changé : confirmer").click()
    # The CVEC of the new year.
    attestation = cvec_number_for(AcademicYear.objects.current(), "emma")
    page.get_by_label("Numéro d'attestation CVEC").fill(attestation)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    # Consents.
    page.get_by_label("Je confirme m'inscrire dans cette étape de formation").check()
    page.get_by_role(
        "group", name="L'université peut-elle imprimer votre photo sur votre carte d'étudiant ?"
    ).get_by_label("Oui", exact=True).check()
    page.get_by_label("J'ai lu le règlement de l'université et je l'accepte").check()
    page.get_by_label("J'ai lu la notice sur le traitement de mes données personnelles").check()
    page.get_by_role("button", name="Enregistrer et vérifier").click()
    page.wait_for_url("**/verification/")  # the step just left names the stage too
    expect(page.get_by_text("BUT2 GEII").first).to_be_visible()
    page.get_by_role("button", name="Envoyer mon inscription").click()
    page.wait_for_url("**/paiement/")
    assert_accessible(page)
    assert len(loads) < 8, loads


def test_an_aj_student_never_activated_logs_in_by_link_and_is_offered_to_repeat_but1(page, live_server, demo):
    lucas = continuing("lucas")
    page.goto("/compte/connexion/")
    page.get_by_role("link", name=re.compile("numéro étudiant")).click()
    page.wait_for_url("**/reinscription/connexion/")
    assert_accessible(page)
    page.get_by_label("Numéro étudiant", exact=True).fill(lucas.student_number)
    page.get_by_label("Date de naissance").fill(lucas.birth_date.isoformat())
    page.get_by_label("Adresse électronique").fill(lucas.user.email)
    follow_login_link(page, live_server)
    expect(page.get_by_text("Vous pouvez vous réinscrire pour redoubler BUT1 GEII")).to_be_visible()


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("yanis", "Vous pouvez vous réinscrire pour redoubler BUT1 GEA"),
        ("manon", "Vous ne pouvez pas vous réinscrire en ligne"),
    ],
)
def test_other_results_get_their_message(page, live_server, demo, key, text):
    log_in_with_password(page, continuing(key))
    expect(page.get_by_text(text)).to_be_visible()
    if key == "manon":  # the desk: the component's contacts are shown
        expect(page.get_by_text("scolarite.iut28@univ-orleans.fr").first).to_be_visible()
    assert_accessible(page)


def test_outside_the_window_the_page_says_when_it_opens(page, live_server, demo):
    year = AcademicYear.objects.current()
    opens = timezone.now() + datetime.timedelta(days=5)
    RegistrationWindow.objects.filter(academic_year=year, population=Population.REREGISTRATION).update(
        opens_at=opens, closes_at=opens + datetime.timedelta(days=30)
    )
    log_in_with_password(page, continuing("emma"))
    expect(page.get_by_text("La réinscription en ligne ouvre le")).to_be_visible()
    expect(page.get_by_role("button", name="Me réinscrire")).to_have_count(0)
