"""Desk registration in a browser: the IUT de Chartres agent registers a continuing-education
trainee who pays by cheque at the desk; the student activates their account from the email, signs in and
downloads their registration summary."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect
from pypdf import PdfReader

from matricule.institution.models import Stage
from matricule.registration.models import Registration, State
from tests.registration.test_desk import seed_cvec

from .axe import assert_accessible
from .conftest import staff_sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_site")]

PERSON = {
    "last_name": "KOWALSKA",
    "first_names": "Zofia",
    "sex": "F",
    "birth_date": datetime.date(2003, 5, 17),
    "email": "zofia.kowalska@example.org",
}
PASSWORD = "Un-mot-de-passe-solide-2026"


def fill(page, values: dict):
    """Fill a step by field name (text, select, radio, checkbox), as typed at the desk."""
    for name, value in values.items():
        field = page.locator(f"[name={name}]").first
        kind = field.get_attribute("type")
        tag = field.evaluate("el => el.tagName.toLowerCase()")
        if kind == "radio":
            page.locator(f"input[name={name}][value='{value}']").check()
        elif kind == "checkbox":
            field.check()
        elif tag == "select":
            field.select_option(value)
        else:
            field.fill(value)


def fits_a_phone(page) -> bool:
    """No sideways scrolling at 360 px wide (the desk may be a tablet or a phone)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    fits = page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size(size)
    return fits


def save_and_continue(page):
    # The answer may be this step again (same address): wait for the navigation itself, as the
    # page already loaded would satisfy wait_for_load_state at once.
    with page.expect_navigation():
        page.locator("button[name=action][value=next]").click()


STEPS = {
    "identity": {"birth_town": "Kraków", "birth_country": "Pologne", "nationality": "Pologne"},
    "ine": {"has_ine": "no", "no_ine_reason": "foreign_school"},
    "baccalaureate": {
        "kind": "equivalent",
        "year": "2021",
        "equivalent_name": "Matura",
        "equivalent_country": "Pologne",
    },
    "previous": {
        "last_situation": "higher",
        "last_establishment": "Uniwersytet Jagielloński",
        "last_establishment_year": "2025",
    },
    "contacts": {
        "street": "3 rue du Cheval Blanc",
        "postal_code": "28000",
        "city": "Chartres",
        "country": "France",
        "same_permanent_address": "no",
        "permanent_address": "ul. Floriańska 1, 31-019 Kraków, Pologne",
        "phone": "+48 601 234 567",
        "email_confirmation": PERSON["email"],
        "emergency_name": "Anna Kowalska",
        "emergency_phone": "+48 601 765 432",
    },
    "social": {"grant": "none", "employed": "no", "athlete": "no", "accommodation": "no"},
    "cvec": {},  # the number is seeded per test
    "programme": {
        "confirm_stage": "on",
        "photo_on_card": "yes",
        "accept_rules": "on",
        "accept_privacy": "on",
    },
}


def test_a_trainee_registered_at_the_desk_activates_and_downloads_the_summary(
    page, browser, live_server, demo
):
    stage = Stage.objects.get(code="GEII-1")
    cvec = seed_cvec(demo.current_year, PERSON)

    # The agent signs in with the staff form and opens the desk.
    staff_sign_in(page, "agent.chartres")
    page.wait_for_url("**/gestion/")  # the sign-in page matched .*/gestion/.* already
    page.goto("/gestion/guichet/")
    assert_accessible(page)
    assert fits_a_phone(page)

    # A new person: identity, stage, reason. The date of birth forgotten: what was typed is kept.
    form = page.locator("#desk-start-form")
    form.locator("input[name=last_name]").fill(PERSON["last_name"])
    form.locator("input[name=first_names]").fill(PERSON["first_names"])
    form.locator("input[name=sex][value=F]").check()
    form.locator("input[name=email]").fill(PERSON["email"])
    form.locator("select[name=stage]").select_option(str(stage.pk))
    form.locator("input[name=reason][value=continuing_education]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("input[name=last_name]")).to_have_value(PERSON["last_name"])
    assert_accessible(page)
    page.locator("input[name=birth_date]").fill(PERSON["birth_date"].isoformat())
    page.locator("#desk-start-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/gestion/guichet/\d+/etape/identity/$"))
    registration = Registration.objects.get(student__user__email=PERSON["email"])

    # The same steps as online, in the back office.
    assert_accessible(page)
    assert "KOWALSKA" in page.content()
    save_and_continue(page)  # nothing typed: the errors are shown, the step stays
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/etape/identity/$"))
    assert_accessible(page)
    # A continuing-education trainee is not concerned by the CVEC: that step is not asked.
    for key, values in ((k, v) for k, v in STEPS.items() if k != "cvec"):
        expect(page).to_have_url(re.compile(f"/etape/{key}/$"))
        fill(page, {"attestation": cvec} if key == "cvec" else values)
        if key == "contacts":
            expect(page.locator("input[name=email]")).to_have_value(PERSON["email"])  # prefilled
        save_and_continue(page)
    page.wait_for_url(re.compile(r".*/verification/$"))
    assert_accessible(page)
    page.locator("#desk-submit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/paiement/$"))

    # A cheque at the desk: the amount starts with the fee total.
    assert_accessible(page)
    assert fits_a_phone(page)
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT
    page.locator("input[name=pay-method][value=cheque]").check()
    page.locator("input[name=pay-reference]").fill("CHQ 0045872")
    page.locator("button[name=action][value=pay]").click()
    page.wait_for_url(re.compile(r".*/termine/$"))
    assert_accessible(page)
    registration.refresh_from_db()
    number = registration.student.student_number
    assert registration.state == State.REGISTERED and number
    assert number in page.content()
    with page.expect_download() as download:
        page.locator(f"a[href$='/gestion/guichet/{registration.pk}/recapitulatif.pdf']").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")

    # The student: the activation link from the email, a password, then signing in.
    activation = next(m for m in mail.outbox if "/compte/activer/" in m.body)
    assert activation.to == [PERSON["email"]]
    url = re.search(r"https?://\S+/compte/activer/\S+/", activation.body).group(0)
    student = browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    student.goto(url)
    assert_accessible(student)
    student.locator("input[name=new_password1]").fill(PASSWORD)
    student.locator("input[name=new_password2]").fill(PASSWORD)
    with student.expect_navigation():  # the password is set before the cookies are cleared
        student.locator("form button[type=submit]").last.click()
    student.context.clear_cookies()  # a later visit: signing in with the new password

    with translation.override("fr"):
        login_path = reverse("student-account:login")
        home_path = reverse("registration:home")
        status_path = reverse("registration:status", args=[registration.pk])
        summary_path = reverse("certificates:summary-pdf", args=[registration.pk])
    student.goto(login_path)
    student.locator("input[name=identifier]").fill(number)
    student.locator("input[name=password]").fill(PASSWORD)
    with student.expect_navigation():  # signed in before the next address is asked
        student.locator("main form.form button[type=submit]").click()
    student.goto(home_path)
    student.locator(f"a[href='{status_path}']").first.click()
    student.wait_for_url(f"**{status_path}")
    assert number in student.content()
    with student.expect_download() as download:
        student.locator(f"a[href='{summary_path}']").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
    assert "KOWALSKA" in text and "Zofia" in text
    assert number in text
    student.context.close()
