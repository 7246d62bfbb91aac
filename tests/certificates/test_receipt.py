# ruff: noqa: F811 - fixtures imported from the payments tests are used as arguments
"""The payment receipt PDF, read back with pypdf: what was paid, how, refunds and its serial."""

from django.utils import translation
from django.utils.translation import gettext

from matricule.certificates.receipt import receipt_pdf
from matricule.certificates.rendering import format_amount
from matricule.payments.services import record_manual_payment, record_refund
from tests.certificates.pdfs import read
from tests.payments.conftest import awaiting  # noqa: F401


def test_the_receipt_says_what_was_paid_how_and_for_which_registration(awaiting, iut_agent):
    payment = record_manual_payment(awaiting, amount_cents=17800, actor=iut_agent, note="Chèque")
    awaiting.refresh_from_db()
    reader, text = read(receipt_pdf(payment, "en", serial="K7QM-2TXP-9HZ3"))
    assert len(reader.pages) == 1
    for expected in (
        "Payment receipt",
        awaiting.student.student_number,
        awaiting.academic_year.code,
        awaiting.stage.name,
        "€178.00",
        "Recorded by the registrar's office",
        payment.reference,
        "K7QM-2TXP-9HZ3",
    ):
        assert expected in text, expected
    assert "Refunded" not in text
    assert (
        reader.metadata.title
        == f"Payment receipt {awaiting.academic_year.code} – {awaiting.student.full_name}"
    )
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_a_refund_is_shown_and_the_receipt_is_in_the_language_asked(awaiting, iut_agent):
    payment = record_manual_payment(awaiting, amount_cents=17800, actor=iut_agent)
    payment = record_refund(payment, amount_cents=5000, actor=iut_agent, through_gateway=False)
    reader, text = read(receipt_pdf(payment, "fr"))
    with translation.override("fr"):
        title, refunded, number = gettext("Payment receipt"), gettext("Refunded"), gettext("Document number")
    assert title in text and format_amount(17800, "fr") in text
    assert refunded in text and format_amount(5000, "fr") in text
    assert number not in text  # no serial given: none printed
    assert reader.trailer["/Root"]["/Lang"] == "fr-FR"
