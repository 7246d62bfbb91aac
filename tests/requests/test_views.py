"""The student's side of requests (/inscription/<pk>/demandes/): the list, filing each kind, the
detail with its decision, files, withdrawing, and who may see them."""

import html

import pytest
from django.urls import reverse

from matricule.requests.models import Attachment, Kind, Request, State

from .conftest import NEW_ADDRESS, photo

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"requests:{name}", args=args)


def test_addresses_are_french_first_and_english_under_en(registered):
    assert url("list", registered.pk) == f"/inscription/{registered.pk}/demandes/"
    from django.utils import translation

    with translation.override("en"):
        assert url("list", registered.pk) == f"/en/registration/{registered.pk}/requests/"


def test_my_requests_lists_the_kinds_and_the_crous_link(
    student_client, registered, file_request, django_assert_max_num_queries
):
    file_request(registered)
    file_request(registered, Kind.SITUATION_CHANGE, {"situation": "Salariée"})
    with django_assert_max_num_queries(12):
        page = student_client.get(url("list", registered.pk))
    content = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Mes demandes</h1>" in content
    assert url("new", registered.pk, "card_reissue") in content
    # An open address change: no second one offered.
    assert url("new", registered.pk, "address_change") not in content
    assert "une demande de ce type est en cours" in content
    # A grant holder paid nothing: no refund to ask for.
    assert url("new", registered.pk, "fee_refund") not in content and "rien à rembourser" in content
    assert 'href="https://www.messervices.etudiant.gouv.fr"' in content
    assert "Dossier social étudiant" in content


def test_requests_wait_for_the_registration_to_be_complete(client, awaiting):
    client.force_login(awaiting.student.user)
    page = client.get(url("list", awaiting.pk))
    assert "Vous pourrez faire des demandes une fois votre inscription terminée." in page.content.decode()
    assert url("new", awaiting.pk, "address_change") not in page.content.decode()
    response = client.get(url("new", awaiting.pk, "address_change"))
    assert response.status_code == 302 and response.url == url("list", awaiting.pk)


def test_the_address_form_starts_from_the_current_address(student_client, registered):
    page = student_client.get(url("new", registered.pk, "address_change"))
    content = page.content.decode()
    assert page.status_code == 200
    assert 'value="12 rue des Écuyers"' in content and 'value="28000"' in content
    assert 'enctype="multipart/form-data"' in content


def test_errors_are_translated_and_what_was_typed_is_kept(student_client, registered):
    page = student_client.post(
        url("new", registered.pk, "address_change"),
        {"street": "3 place des Halles", "postal_code": "", "city": "Orléans", "country": "France"},
    )
    content = page.content.decode()
    assert page.status_code == 400
    assert 'role="alert"' in content and "Ce champ est obligatoire." in content
    assert 'value="3 place des Halles"' in content and 'value="Orléans"' in content
    assert 'aria-invalid="true"' in content
    assert not Request.objects.exists()


def test_the_same_address_is_not_a_change(student_client, registered):
    page = student_client.post(
        url("new", registered.pk, "address_change"),
        {"street": "12 rue des Écuyers", "postal_code": "28000", "city": "Chartres", "country": "France"},
    )
    assert page.status_code == 400
    assert "C'est l'adresse que nous avons déjà" in html.unescape(page.content.decode())


def test_filing_an_address_change(student_client, registered):
    response = student_client.post(url("new", registered.pk, "address_change"), NEW_ADDRESS)
    request = Request.objects.get()
    assert response.status_code == 302 and response.url == url("detail", registered.pk, request.pk)
    assert request.kind == Kind.ADDRESS_CHANGE and request.data == NEW_ADDRESS
    page = student_client.get(response.url)
    content = page.content.decode()
    assert "Votre demande a été envoyée au service de scolarité." in content
    assert "3 place des Halles" in content and "Déposée" in content


def test_a_card_reissue_needs_its_declaration(student_client, registered):
    from django.core.files.uploadedfile import SimpleUploadedFile

    new = url("new", registered.pk, "card_reissue")
    missing = student_client.post(new, {"reason": "stolen", "details": "Dans le bus 4"})
    assert missing.status_code == 400
    assert "Ce champ est obligatoire." in missing.content.decode()
    assert "Dans le bus 4" in missing.content.decode()
    fake = SimpleUploadedFile("declaration.pdf", b"GIF89a not really", "application/pdf")
    refused = student_client.post(new, {"reason": "stolen", "details": "Dans le bus 4", "attachment": fake})
    content = refused.content.decode()
    assert refused.status_code == 400
    assert "Ce fichier n'est ni un PDF" in html.unescape(content)  # the content check's own words
    assert "choisissez-le de nouveau" in content and "Dans le bus 4" in content
    accepted = student_client.post(new, {"reason": "stolen", "attachment": photo()})
    assert accepted.status_code == 302
    assert Request.objects.get().attachments.count() == 1


def test_a_refund_needs_a_payment(student_client, registered):
    response = student_client.get(url("new", registered.pk, "fee_refund"), follow=True)
    assert response.redirect_chain == [(url("list", registered.pk), 302)]
    content = response.content.decode()
    assert "Aucun paiement des droits de cette inscription ne peut être remboursé." in content


def test_a_refund_asks_at_most_what_was_paid(client, paid):
    client.force_login(paid.student.user)
    new = url("new", paid.pk, "fee_refund")
    form = client.get(new)
    assert "178\u00a0€" in form.content.decode()
    too_much = client.post(new, {"reason": "Exonérée", "amount": "500"})
    assert too_much.status_code == 400
    assert "vous ne pouvez pas demander davantage" in too_much.content.decode()
    response = client.post(new, {"reason": "Exonérée", "amount": "50,50"})
    assert response.status_code == 302
    assert Request.objects.get().data == {"reason": "Exonérée", "amount_cents": 5050}


def test_adding_a_file_and_withdrawing(student_client, registered, file_request):
    request = file_request(registered)
    student_client.post(url("attach", registered.pk, request.pk), {"file": photo()})
    attachment = Attachment.objects.get(request=request)
    download = student_client.get(url("file", registered.pk, attachment.pk))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    student_client.post(url("withdraw", registered.pk, request.pk))
    request.refresh_from_db()
    assert request.state == State.WITHDRAWN
    page = student_client.get(url("detail", registered.pk, request.pk)).content.decode()
    assert "Retirée" in page and url("withdraw", registered.pk, request.pk) not in page


def test_the_decision_is_shown_to_the_student(student_client, registered, file_request, iut_agent):
    from matricule.requests import services

    request = file_request(registered, Kind.SITUATION_CHANGE, {"situation": "Salariée"})
    services.refuse(request, actor=iut_agent, message="Merci de joindre le contrat.")
    page = student_client.get(url("detail", registered.pk, request.pk)).content.decode()
    assert "Refusée" in page and "Merci de joindre le contrat." in page


def test_only_the_student_sees_her_requests(intruder, registered, file_request):
    request = file_request(registered)
    from matricule.requests import services

    attachment = services.add_attachment(request, photo(), actor=registered.student.user)
    for address in (
        url("list", registered.pk),
        url("new", registered.pk, "address_change"),
        url("detail", registered.pk, request.pk),
        url("file", registered.pk, attachment.pk),
    ):
        assert intruder.get(address).status_code == 404, address
    for address in (url("withdraw", registered.pk, request.pk), url("attach", registered.pk, request.pk)):
        assert intruder.post(address).status_code == 404, address
    assert Request.objects.get().state == State.SUBMITTED


def test_an_unknown_kind_is_not_found(student_client, registered):
    assert student_client.get(url("new", registered.pk, "passport")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, registered):
    response = client.get(url("list", registered.pk))
    assert response.status_code == 302 and "next=" in response.url
