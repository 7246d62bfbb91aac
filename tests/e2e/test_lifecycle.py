"""A registration's life from the student's file in a real browser, at a desk's width
(1366 × 900) and a tablet's (768 × 1024): a manager cancels (refunding what was paid) or refunds
a student who leaves, an agent corrects the civil identity (the reason required) and sends the
activation link again; axe on every form and every result, nothing scrolls the page sideways.
The services seed the state, the browser acts."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from matricule.accounts.models import ComponentMembership
from matricule.audit.models import Event
from matricule.institution.models import Component
from matricule.money import euros
from matricule.payments import refunds
from tests.requests.conftest import paid  # noqa: F401

from .axe import assert_accessible
from .conftest import staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 768, "height": 1024}], ids=["desk", "tablet"]
)


@pytest.fixture
def manager(demo, django_user_model):
    """A manager of the IUT de Chartres (the demo has agents only), with the demo agents'
    password."""
    user = django_user_model.objects.create_user(
        "manager.chartres", password="matricule-agent", first_name="Marie", last_name="Gestion"
    )
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-chartres"), role=ComponentMembership.Role.MANAGER
    )
    return user


@pytest.fixture
def student_file(browser, live_server):
    """student_file(username, registration, viewport) -> a page of a new context at `viewport`,
    `username` signed in (straight to the file: the sign-in's `next`), on the registration's
    student file; the context closed after the test, whatever happened."""
    contexts = []

    def open_file(username, registration, viewport):
        context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        file_url = f"/gestion/etudiant/{registration.student_id}/"
        staff_sign_in(page, username, address=f"/gestion/connexion/?next={file_url}")
        page.wait_for_url(f"**{file_url}")
        expect(page.get_by_role("heading", level=1)).to_have_text(registration.student.full_name)
        return page

    yield open_file
    for context in contexts:
        context.close()


def _checked(page):
    """No serious or critical axe violation, and nothing scrolls the whole page sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"
    assert_accessible(page)


def _registration_heading(page, registration):
    return page.locator(f"#registration-{registration.pk}")


def _history(page):
    return page.get_by_role("table", name="Ce qui est arrivé au compte", exact=False)


@VIEWPORTS
def test_a_manager_cancels_a_registration_and_refunds_it(live_server, student_file, paid, manager, viewport):  # noqa: F811
    paid_cents = refunds.refundable_cents(paid)
    assert paid_cents > 0
    page = student_file("manager.chartres", paid, viewport)

    page.get_by_role("link", name="Annuler cette inscription…").click()
    page.wait_for_url(f"**/gestion/inscription/{paid.pk}/annuler/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler l'inscription")
    expect(page.locator("dl.facts")).to_contain_text(euros(paid_cents))  # paid, not refunded
    _checked(page)

    page.get_by_label("Motif").fill("Erreur de formation")
    page.get_by_label("Rembourser tout ce qui a été payé").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Annuler l'inscription", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/gestion/etudiant/{paid.student_id}/")
    main = page.locator("main")
    expect(main).to_contain_text("L'inscription est annulée ; ses certificats sont révoqués.")
    expect(main).to_contain_text(f"{euros(paid_cents)} remboursés.")
    expect(_registration_heading(page, paid)).to_contain_text("Annulée")
    expect(_history(page)).to_contain_text("Annulée : Erreur de formation")
    expect(page.get_by_role("link", name="Annuler cette inscription…")).to_have_count(0)
    _checked(page)

    paid.refresh_from_db()
    assert paid.state == "cancelled" and paid.cancelled_at is not None
    assert refunds.refundable_cents(paid) == 0


@VIEWPORTS
def test_a_manager_refunds_a_student_who_leaves(live_server, student_file, paid, manager, viewport):  # noqa: F811
    paid_cents = refunds.refundable_cents(paid)
    page = student_file("manager.chartres", paid, viewport)

    page.get_by_role("link", name="Rembourser…").click()
    page.wait_for_url(f"**/gestion/inscription/{paid.pk}/rembourser/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rembourser ce qui a été payé")
    expect(page.locator("dl.facts")).to_contain_text(euros(paid_cents))
    _checked(page)

    # The amount left empty: everything paid is refunded.
    page.get_by_label("Motif").fill("Réorientation en licence")
    page.get_by_label("L'étudiant quitte la formation").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Rembourser", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/gestion/etudiant/{paid.student_id}/")
    main = page.locator("main")
    expect(main).to_contain_text(f"{euros(paid_cents)} remboursés.")
    expect(main).to_contain_text("L'étudiant part : l'inscription est annulée.")
    expect(_registration_heading(page, paid)).to_contain_text("Annulée")
    # The money: the payment refunded in full, nothing paid left on the registration.
    payment = page.get_by_role("table", name="Tentatives de paiement", exact=False).locator("tbody tr")
    expect(payment).to_have_count(1)
    cells = payment.locator("td")  # status, due, paid, refunded, means, created
    expect(cells.nth(0)).to_have_text("Remboursé")
    expect(cells.nth(2)).to_have_text(euros(paid_cents))
    expect(cells.nth(3)).to_have_text(euros(paid_cents))
    facts = page.locator(f"section[aria-labelledby='registration-{paid.pk}'] dl.facts")
    expect(facts.locator("dt:text-is('Payé') + dd")).to_have_text(euros(0))
    history = _history(page)
    expect(history).to_contain_text(f"Remboursement de {euros(paid_cents)} : Réorientation en licence")
    expect(history.locator("tr", has_text="Annulée :")).to_contain_text("Réorientation en licence")
    _checked(page)

    paid.refresh_from_db()
    assert paid.state == "cancelled"
    assert refunds.refundable_cents(paid) == 0
    event = Event.objects.get(action="registration.refunded_by_staff", object_id=str(paid.pk))
    assert event.data["leaving"] is True and event.data["amount_cents"] == paid_cents


@VIEWPORTS
def test_an_agent_corrects_the_identity_with_a_reason(live_server, student_file, paid, viewport):  # noqa: F811
    student = paid.student
    old_name = student.last_name
    page = student_file("agent.chartres", paid, viewport)

    page.get_by_role("link", name="Corriger l'état civil…").click()
    page.wait_for_url(f"**/gestion/etudiant/{student.pk}/identite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Corriger l'état civil")
    expect(page.get_by_label("Nom de naissance")).to_have_value(old_name)
    # The date input shows the date kept (an ISO value: a localised one would leave it empty).
    expect(page.get_by_label("Date de naissance")).to_have_value(student.birth_date.isoformat())
    _checked(page)

    # No reason: refused, explained in French, what was typed kept.
    page.get_by_label("Nom de naissance").fill("LEFÈVRE-MARTIN")
    with page.expect_navigation():
        page.get_by_role("button", name="Corriger", exact=True).click()
    expect(page.locator("#id_reason-error")).to_contain_text("Ce champ est obligatoire.")
    expect(page.get_by_role("alert")).to_contain_text("Motif de la correction")
    expect(page.get_by_label("Nom de naissance")).to_have_value("LEFÈVRE-MARTIN")
    expect(page.get_by_label("Date de naissance")).to_have_value(student.birth_date.isoformat())
    expect(page.get_by_label("Motif de la correction")).to_have_attribute("aria-invalid", "true")
    _checked(page)
    student.refresh_from_db()
    assert student.last_name == old_name

    page.get_by_label("Motif de la correction").fill("Acte de naissance vu au guichet")
    with page.expect_navigation():
        page.get_by_role("button", name="Corriger", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/gestion/etudiant/{student.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("LEFÈVRE-MARTIN")
    main = page.locator("main")
    expect(main).to_contain_text("L'identité est corrigée ; l'étudiant en est informé par courriel.")
    history = _history(page)
    expect(history).to_contain_text("État civil corrigé")
    expect(history).to_contain_text("Acte de naissance vu au guichet")
    _checked(page)

    student.refresh_from_db()
    assert student.last_name == "LEFÈVRE-MARTIN"
    event = Event.objects.get(action="registration.identity_corrected", object_id=str(student.pk))
    assert event.data["reason"] == "Acte de naissance vu au guichet"
    assert event.data["before"] == {"last_name": old_name}


@VIEWPORTS
def test_an_agent_sends_the_activation_link_again(live_server, student_file, live_site, paid, viewport):  # noqa: F811
    user = paid.student.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    page = student_file("agent.chartres", paid, viewport)
    _checked(page)
    mail.outbox.clear()

    with page.expect_navigation():
        page.get_by_role("button", name="Renvoyer le lien d'activation du compte").click()

    expect(page).to_have_url(f"{live_server.url}/gestion/etudiant/{paid.student_id}/")
    expect(page.locator("main")).to_contain_text("Le lien d'activation est en route vers l'étudiant.")
    expect(_history(page)).to_contain_text("Lien d'activation renvoyé par un agent")
    _checked(page)

    sent = [m for m in mail.outbox if "chloe.lefevre@example.org" in m.to]
    assert len(sent) == 1, [(m.to, m.subject) for m in mail.outbox]
    assert live_server.url in sent[0].body  # the link leads to the site
    assert (
        Event.objects.filter(action="registration.activation_link_resent", object_id=str(paid.pk)).count()
        == 1
    )
