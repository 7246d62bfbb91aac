"""Issue 6 in a browser: activate the account, upload documents, a refusal, a replacement,
validation by the IUT de Chartres agent, and the certificate unlocked."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.documents.conftest import pdf_bytes, png_bytes
from tests.payments.conftest import submitted_registration

from .axe import assert_accessible
from .conftest import staff_sign_in, swapped

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registered(demo, demo_candidates, live_site):
    return submitted_registration(demo_candidates["accepted"], demo.current_year, grant="crous")


def test_documents_journey(page, browser, live_server, registered, demo):
    assert registered.state == "registered"
    activation = next(m for m in mail.outbox if "/compte/activer/" in m.body)
    url = re.search(r"https?://\S+/compte/activer/\S+/", activation.body).group(0)
    page.goto(url)
    assert_accessible(page)
    page.locator("input[name=new_password1]").fill("Un-mot-de-passe-solide-2026")
    page.locator("input[name=new_password2]").fill("Un-mot-de-passe-solide-2026")
    # Each form's answer is awaited as a navigation: the page already loaded would satisfy
    # wait_for_load_state at once, and several answers come back to the same address.
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    page.goto(f"/inscription/{registered.pk}/pieces/")
    assert_accessible(page)

    files = {
        "identity": ("carte.png", "image/png", png_bytes(600, 400)),
        "bac": ("releve.pdf", "application/pdf", pdf_bytes(2)),
    }
    for submission in registered.submissions.select_related("document_type"):
        name, mime, content = files.get(
            submission.document_type.code, ("photo.png", "image/png", png_bytes())
        )
        form = page.locator(f"form[aria-labelledby=doc-{submission.pk}]")
        form.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})
        # Sent by htmx: the documents page answers at once, its message taking the focus.
        with swapped(page):
            form.locator("button[type=submit]").click()
        expect(page.locator("main [data-swap-focus]")).to_be_focused()
        expect(page.locator("main [data-swap-focus]")).to_contain_text("pièce reçue")
    assert page.content().count("En attente de vérification") >= 5
    assert page.url.endswith(f"/inscription/{registered.pk}/pieces/")  # no other address pushed

    # The IUT de Chartres agent refuses the photo with a reason.
    agent = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}).new_page()
    # The previews are rendered and stored on their first request, in parallel with the agent's
    # decisions; on SQLite the live server's threads share one connection, and a write from each
    # at once fails ("database table is locked"). Previews are tested in tests/backoffice.
    agent.route("**/gestion/fichier/*/page/*.png", lambda route: route.abort())
    staff_sign_in(agent, "agent.chartres")
    agent.wait_for_url("**/gestion/")
    agent.goto("/gestion/pieces/")
    assert_accessible(agent)
    agent.locator(f"a[href='/gestion/pieces/{registered.pk}/']").click()
    agent.wait_for_url(f"**/gestion/pieces/{registered.pk}/")
    assert_accessible(agent)
    photo = registered.submissions.get(document_type__code="photo")

    def decision(response):
        return response.request.method == "POST" and response.url.endswith(
            f"/gestion/pieces/{registered.pk}/"
        )

    section = agent.locator(f"section[aria-labelledby=rd-{photo.pk}]")
    section.locator("select[name=reason]").select_option(index=1)
    section.locator("textarea[name=comment]").fill("Photo floue, merci d'en envoyer une nette.")
    # The decision is sent by htmx and answered with the documents' column, swapped in place.
    with agent.expect_response(decision):  # the email is sent before the answer
        section.locator("button[value=refuse]").click()
    expect(agent.locator(f"#rd-{photo.pk}")).to_contain_text("Refusé")
    refusal = mail.outbox[-1]
    assert "Photo floue" in refusal.body

    # The student sees the reason and replaces the photo.
    page.goto(f"/inscription/{registered.pk}/pieces/")
    assert "Photo floue" in page.content()
    form = page.locator(f"form[aria-labelledby=doc-{photo.pk}]")
    form.locator("input[type=file]").set_input_files(
        {"name": "photo2.png", "mimeType": "image/png", "buffer": png_bytes(300, 400, (20, 20, 200))}
    )
    with swapped(page):
        form.locator("button[type=submit]").click()
    assert_accessible(page)

    # The agent validates every document with the keyboard alone, one key each, without the page
    # ever reloading (a mark left on the window survives), at a tablet's width too.
    agent.set_viewport_size({"width": 768, "height": 1024})
    agent.goto(f"/gestion/pieces/{registered.pk}/")
    assert_accessible(agent)
    agent.set_viewport_size({"width": 1366, "height": 900})
    agent.evaluate("window.stillTheSamePage = true")
    waiting = agent.locator("button[value=validate]").count()
    assert waiting == 5
    for left in range(waiting - 1, -1, -1):
        with agent.expect_response(decision):
            agent.keyboard.press("v")
        expect(agent.locator("button[value=validate]")).to_have_count(left)
        if left:  # the next document waiting has the focus, read out by its heading
            expect(agent.locator("#review-documents [data-current] h2")).to_be_focused()
    assert agent.evaluate("window.stillTheSamePage") is True
    expect(agent.locator("#review-progress")).to_contain_text("6 décisions prises pendant cette session")
    expect(agent.locator("#review-progress")).to_contain_text("le dossier est complet")
    assert_accessible(agent)
    assert "certificat" in mail.outbox[-1].subject.lower()
    page.goto(f"/inscription/{registered.pk}/")
    assert "certificat de scolarité est disponible" in page.content()
    assert_accessible(page)

    # An agent of another component and another student get 404 on every URL of it.
    version = photo.versions.first()
    other = browser.new_context(base_url=live_server.url).new_page()
    staff_sign_in(other, "agent.orleans")
    other.wait_for_url("**/gestion/")
    for url in (f"/gestion/pieces/{registered.pk}/", f"/gestion/fichier/{version.pk}/"):
        assert other.goto(url).status == 404
    other.context.close()
    agent.context.close()
