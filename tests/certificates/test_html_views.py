# ruff: noqa: F811 - fixtures imported from the payments tests are used as arguments
"""The accessible HTML version of each issued PDF: the same document (serial), the same content,
its verification link, and the same access rule as the PDF."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from matricule.certificates import services
from matricule.certificates.models import IssuedDocument
from matricule.certificates.rendering import format_amount
from matricule.payments.services import record_manual_payment
from tests.payments.conftest import awaiting  # noqa: F401

from .conftest import complete


@pytest.fixture
def paid(awaiting, iut_agent, immediate_tasks, django_capture_on_commit_callbacks):
    """Chloé's registration, paid at the desk (so registered), her documents validated."""
    with django_capture_on_commit_callbacks(execute=True):  # her documents are asked for then
        record_manual_payment(awaiting, amount_cents=awaiting.fee_total_cents, actor=iut_agent, note="Chèque")
    awaiting.refresh_from_db()
    complete(awaiting, iut_agent)
    return awaiting


def twins(registration) -> dict[str, str]:
    pk = registration.pk
    return {
        "certificate": reverse("certificates:certificate-html", args=[pk, "fr"]),
        "summary": reverse("certificates:summary-html", args=[pk]),
        "receipt": reverse("certificates:receipt-html", args=[pk]),
    }


def pdfs(registration) -> dict[str, str]:
    pk = registration.pk
    return {
        "certificate": reverse("certificates:pdf", args=[pk, "fr"]),
        "summary": reverse("certificates:summary-pdf", args=[pk]),
        "receipt": reverse("certificates:receipt", args=[pk]),
    }


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_certificate_page_holds_what_the_pdf_certifies_and_its_verification_link(client, paid):
    client.force_login(paid.student.user)
    response = client.get(twins(paid)["certificate"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    document = IssuedDocument.objects.get(
        registration=paid, kind="certificate", language="fr", status="valid"
    )
    data = document.data
    for value in (
        data["last_name"],
        data["first_names"],
        data["student_number"],
        data["stage"],
        data["programme"],
        data["component"],
        data["academic_year"],
        document.serial,
    ):
        assert value in page, value
    url = services.verification_url(document.serial)
    assert f'<a href="{url}">{url}</a>' in page
    assert '<article class="issued-document" lang="fr"' in page
    assert "<h1 " in page and "<dl " in page
    # The PDF offered beside it is the same document: downloading it issues nothing new.
    assert reverse("certificates:pdf", args=[paid.pk, "fr"]) in page
    client.get(reverse("certificates:pdf", args=[paid.pk, "fr"]))
    assert IssuedDocument.objects.filter(registration=paid, kind="certificate", language="fr").count() == 1


def test_the_english_certificate_is_drawn_in_english_inside_the_readers_page(client, paid):
    client.force_login(paid.student.user)
    page = text(client.get(reverse("certificates:certificate-html", args=[paid.pk, "en"])))
    document = IssuedDocument.objects.get(
        registration=paid, kind="certificate", language="en", status="valid"
    )
    assert '<html lang="fr">' in page  # the reader's language
    assert '<article class="issued-document" lang="en"' in page  # the document's
    with translation.override("en"):
        assert translation.gettext("Enrolment certificate") in page
    assert document.serial in page
    assert client.get(reverse("certificates:certificate-html", args=[paid.pk, "de"])).status_code == 404


def test_the_summary_and_the_receipt_hold_their_amounts_and_serials(client, paid):
    client.force_login(paid.student.user)
    summary_page = text(client.get(twins(paid)["summary"]))
    summary = IssuedDocument.objects.get(registration=paid, kind="summary", language="fr", status="valid")
    for value in (
        summary.data["last_name"],
        summary.data["student_number"],
        summary.data["stage"],
        summary.data["academic_year"],
        format_amount(summary.data["fees_cents"], "fr"),
        summary.data["payment"],
        *summary.data["documents"],
        summary.serial,
        services.verification_url(summary.serial),
    ):
        assert value in summary_page, value
    assert "<table>" in summary_page and '<th scope="col">' in summary_page

    receipt_page = text(client.get(twins(paid)["receipt"]))
    receipt = IssuedDocument.objects.get(registration=paid, kind="receipt", language="fr", status="valid")
    for value in (
        receipt.data["last_name"],
        receipt.data["student_number"],
        receipt.data["stage"],
        receipt.data["academic_year"],
        format_amount(receipt.data["paid_cents"], "fr"),
        receipt.data["payment_reference"],
        receipt.serial,
        services.verification_url(receipt.serial),
    ):
        assert value in receipt_page, value
    assert reverse("certificates:receipt", args=[paid.pk]) in receipt_page


def test_in_english_the_summary_is_the_english_document(client, paid):
    client.force_login(paid.student.user)
    with translation.override("en"):
        address = reverse("certificates:summary-html", args=[paid.pk])
    assert address.startswith("/en/")
    page = text(client.get(address))
    document = IssuedDocument.objects.get(registration=paid, kind="summary", language="en", status="valid")
    assert '<html lang="en">' in page and 'lang="en" aria-labelledby="document-title"' in page
    assert format_amount(document.data["fees_cents"], "en") in page and document.serial in page


def test_only_the_student_reads_them_as_only_she_downloads_the_pdfs(
    client, paid, intruder, iut_agent, other_agent
):
    for kind, address in twins(paid).items():
        assert intruder.get(address).status_code == 404, kind
        anonymous = client.get(address)
        assert anonymous.status_code == 302 and "next=" in anonymous.url, kind
    # Staff, of her component or another, get what the PDF views give them: nothing.
    for agent in (iut_agent, other_agent):
        client.force_login(agent)
        for kind, address in twins(paid).items():
            pdf_status = client.get(pdfs(paid)[kind]).status_code
            assert pdf_status == 404
            assert client.get(address).status_code == pdf_status, kind


def test_not_there_when_the_pdf_is_not_either(client, registered):
    """Documents not validated yet: no certificate; nothing paid: no receipt."""
    client.force_login(registered.student.user)
    addresses = twins(registered)
    assert client.get(addresses["certificate"]).status_code == 404
    assert client.get(addresses["receipt"]).status_code == 404
    assert client.get(addresses["summary"]).status_code == 200


def test_the_summary_needs_a_registration_that_is_registered(client, awaiting):
    client.force_login(awaiting.student.user)
    assert client.get(reverse("certificates:summary-html", args=[awaiting.pk])).status_code == 404


def test_every_pdf_link_has_its_accessible_version_beside_it(client, paid):
    client.force_login(paid.student.user)
    status = client.get(reverse("registration:status", args=[paid.pk])).content.decode()
    assert reverse("certificates:summary-pdf", args=[paid.pk]) in status
    assert reverse("certificates:summary-html", args=[paid.pk]) in status
    assert reverse("certificates:receipt", args=[paid.pk]) in status
    assert reverse("certificates:receipt-html", args=[paid.pk]) in status
    certificate = client.get(reverse("certificates:certificate", args=[paid.pk])).content.decode()
    for language in ("fr", "en"):
        assert reverse("certificates:pdf", args=[paid.pk, language]) in certificate
        assert reverse("certificates:certificate-html", args=[paid.pk, language]) in certificate


def test_the_page_prints_the_document_alone(client, paid):
    client.force_login(paid.student.user)
    page = client.get(twins(paid)["summary"]).content.decode()
    stylesheet = reverse("certificates:print-css")
    assert f'<link rel="stylesheet" href="{stylesheet}" media="print">' in page
    css = client.get(stylesheet)
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert ".site-header" in css.content.decode()
