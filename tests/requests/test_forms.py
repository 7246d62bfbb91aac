"""The requests forms: one per kind (what each keeps, what each refuses), the attachment form and
the registrar's decision form."""

import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from matricule.requests.forms import (
    FORMS,
    AddressChangeForm,
    AttachmentForm,
    CardReissueForm,
    DecisionForm,
    FeeRefundForm,
    RequestForm,
)
from matricule.requests.models import Kind

CURRENT = {"street": "12 rue des Écuyers", "postal_code": "28000", "city": "Chartres", "country": "France"}


def registration(contacts=CURRENT):
    """What the forms read of a registration: the answers it holds."""
    return types.SimpleNamespace(cleaned={"contacts": dict(contacts)})


def declaration():
    return {"attachment": SimpleUploadedFile("declaration.pdf", b"%PDF-1.4", "application/pdf")}


def test_every_kind_has_its_form_with_a_title():
    assert set(FORMS) == set(Kind.values)
    for form_class in FORMS.values():
        assert issubclass(form_class, RequestForm) and str(form_class.title)


def test_a_new_address_is_kept_without_its_file():
    data = {"street": "3 place des Halles", "postal_code": "45000", "city": "Orléans", "country": "FR"}
    form = AddressChangeForm(data, declaration(), registration=registration())
    assert form.is_valid(), form.errors
    assert form.data_for_request() == data


def test_the_address_already_known_is_not_a_change_whatever_the_case_and_spaces():
    same = {**CURRENT, "street": " 12 RUE DES ÉCUYERS ", "city": "chartres"}
    with translation.override("en"):
        form = AddressChangeForm(same, registration=registration())
        assert not form.is_valid()
        assert form.non_field_errors() == ["This is the address we already have: change it before sending."]
    assert AddressChangeForm(same, registration=registration(contacts={})).is_valid()


def test_a_card_reissue_needs_its_declaration_and_a_known_reason():
    assert set(CardReissueForm({"reason": "stolen"}).errors) == {"attachment"}
    assert set(CardReissueForm({"reason": "eaten"}, declaration()).errors) == {"reason"}
    form = CardReissueForm({"reason": "damaged", "details": "Pliée"}, declaration())
    assert form.is_valid() and form.data_for_request() == {"reason": "damaged", "details": "Pliée"}


def test_a_refund_asks_for_all_that_was_paid_or_less_typed_the_french_way():
    everything = FeeRefundForm({"reason": "Exonérée", "amount": ""}, refundable_cents=17800)
    assert everything.is_valid() and everything.data_for_request() == {"reason": "Exonérée"}
    assert "178\u00a0€" in str(everything.fields["amount"].help_text)
    part = FeeRefundForm({"reason": "Exonérée", "amount": "50,50"}, refundable_cents=17800)
    assert part.is_valid(), part.errors
    assert part.data_for_request() == {"reason": "Exonérée", "amount_cents": 5050}
    assert set(FeeRefundForm({"reason": "Exonérée", "amount": "178,01"}, refundable_cents=17800).errors) == {
        "amount"
    }


def test_a_refund_of_nothing_paid_is_refused():
    with translation.override("en"):
        form = FeeRefundForm({"reason": "Exonérée"})
        assert not form.is_valid()
        assert form.non_field_errors() == ["No fee payment of this registration can be refunded."]


def test_an_attachment_needs_a_file():
    assert set(AttachmentForm({}, {}).errors) == {"file"}
    assert AttachmentForm({}, {"file": SimpleUploadedFile("photo.png", b"png", "image/png")}).is_valid()


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        ({"decision": "accept"}, True),
        ({"decision": "refuse", "message": "Merci de joindre le contrat."}, True),
        ({"decision": "refuse", "message": "   "}, False),
        ({"decision": "refuse"}, False),
        ({"decision": "postpone"}, False),
    ],
)
def test_a_refusal_says_why(data, valid):
    form = DecisionForm(data)
    assert form.is_valid() is valid
    if data.get("decision") == "refuse" and not valid:
        assert list(form.errors) == ["message"]


def test_a_refund_may_say_the_student_leaves_the_programme():
    leaving = FeeRefundForm({"reason": "Je quitte la formation", "leaving": "on"}, refundable_cents=17800)
    assert leaving.is_valid(), leaving.errors
    assert leaving.data_for_request() == {"reason": "Je quitte la formation", "leaving": True}
    with translation.override("fr"):
        assert str(leaving.fields["leaving"].label) == "Je quitte la formation : je renonce à mon inscription"
