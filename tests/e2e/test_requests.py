"""Issue 9 (requests) in a browser: a registered student asks for a change of address, the IUT de
Chartres agent accepts it from the back office, and the student's next certificate carries the new
address; the student's pages pass axe."""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from matricule.documents import services as documents
from tests.documents.conftest import png_bytes, upload_file
from tests.payments.conftest import submitted_registration

from .axe import assert_accessible
from .conftest import staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def complete(demo, demo_candidates, iut_agent, live_site):
    """Chloé, registered with every document validated: her certificate is available."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year, grant="crous")
    for submission in registration.submissions.all():
        documents.upload(submission, upload_file(content=png_bytes()), actor=registration.student.user)
        documents.decide(submission, agent=iut_agent, validate=True)
    return registration


def sign_in(page, live_server, user) -> None:
    """A signed-in session, as after the emailed link (whose own journey tests/e2e covers)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def certificate_text(page, registration) -> str:
    from pypdf import PdfReader

    page.goto(f"/inscription/{registration.pk}/certificat/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le certificat (PDF, français)").click()
    pdf = download.value.path().read_bytes()
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_address_change_accepted_then_on_the_next_certificate(page, browser, live_server, complete):
    registration = complete
    sign_in(page, live_server, registration.student.user)
    assert "12 rue des Écuyers" in certificate_text(page, registration)

    # The student asks for the change, starting from the address we have.
    page.goto(f"/inscription/{registration.pk}/demandes/")
    assert_accessible(page)
    crous = page.get_by_role("link", name="Dossier social étudiant (messervices.etudiant.gouv.fr)")
    assert crous.get_attribute("href") == "https://www.messervices.etudiant.gouv.fr"
    page.get_by_role("link", name="Changement d'adresse").click()
    page.wait_for_url("**/demandes/nouvelle/*/")
    expect(page.get_by_label("Nouvelle adresse (numéro et voie)")).to_have_value("12 rue des Écuyers")
    assert_accessible(page)
    # A missing postal code: the error is shown, what was typed stays.
    page.get_by_label("Nouvelle adresse (numéro et voie)").fill("3 place des Halles")
    page.get_by_label("Code postal").fill("")
    page.get_by_label("Commune").fill("Orléans")
    with page.expect_navigation():  # the form again, at the same address, with its error
        page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(page.get_by_label("Nouvelle adresse (numéro et voie)")).to_have_value("3 place des Halles")
    assert_accessible(page)
    page.get_by_label("Code postal").fill("45000")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url("**/demandes/*/")
    assert "Votre demande a été envoyée au service de scolarité." in page.content()
    assert_accessible(page)

    # The IUT de Chartres agent signs in, takes it from the list and accepts it.
    agent = browser.new_context(base_url=live_server.url).new_page()
    staff_sign_in(agent, "agent.chartres", "/gestion/connexion/?next=/gestion/demandes/")
    # The path, not the end of the address: the sign-in page's ?next=/gestion/demandes/ matches that.
    agent.wait_for_url(re.compile(r"^[^?]*/gestion/demandes/$"))
    assert "1 demande en attente" in agent.content()
    agent.get_by_role("table").get_by_role("link", name="Changement d'adresse", exact=False).click()
    agent.wait_for_url(re.compile(r"/gestion/demandes/\d+/$"))
    assert "3 place des Halles" in agent.content()
    assert_accessible(agent)
    agent.get_by_label("Message à l'étudiant").fill("Nouvelle adresse enregistrée.")
    with agent.expect_navigation():  # back to the same address once decided
        agent.get_by_role("button", name="Accepter").click()
    assert "Demande acceptée" in agent.content()
    assert_accessible(agent)
    agent.context.close()
    assert any("Nouvelle adresse enregistrée." in m.body for m in mail.outbox)

    # The student sees the decision, and the next certificate carries the new address.
    page.goto(f"/inscription/{registration.pk}/demandes/")
    page.get_by_role("table").get_by_role("link", name="Changement d'adresse").click()
    page.wait_for_url(re.compile(r"/demandes/\d+/$"))
    assert "Acceptée" in page.content() and "Nouvelle adresse enregistrée." in page.content()
    assert_accessible(page)
    text = certificate_text(page, registration)
    assert "3 place des Halles" in text and "45000 Orléans" in text
    assert "12 rue des Écuyers" not in text
