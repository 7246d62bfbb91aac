import pytest
from django.core.exceptions import ValidationError

from matricule.audit.models import Event
from matricule.certificates.services import certified_data
from matricule.notifications.models import Email
from matricule.payments.models import Payment
from matricule.requests import services
from matricule.requests.models import Kind, Request, State
from tests.payments.conftest import bank_transaction

from .conftest import NEW_ADDRESS, photo

pytestmark = pytest.mark.django_db


def actions(student_request) -> list[str]:
    events = Event.objects.filter(object_type="student_requests.request", object_id=str(student_request.pk))
    return list(events.order_by("pk").values_list("action", flat=True))


# --- Filing --------------------------------------------------------------------------------------


def test_filing_keeps_the_data_of_the_kind_and_is_audited(registered, file_request):
    request = file_request(registered, data={**NEW_ADDRESS, "email": "autre@example.org", "city": "Orléans"})
    assert request.state == State.SUBMITTED and request.student == registered.student
    assert request.data == NEW_ADDRESS  # nothing but the address
    assert actions(request) == ["requests.filed"]
    assert Event.objects.get(action="requests.filed").actor == registered.student.user


def test_requests_need_a_registered_registration(awaiting, file_request):
    with pytest.raises(services.RequestError) as error:
        file_request(awaiting)
    assert error.value.code == "not_registered"
    assert not Request.objects.exists()


def test_one_open_request_per_kind_until_it_is_withdrawn(registered, file_request):
    first = file_request(registered)
    with pytest.raises(services.RequestError) as error:
        file_request(registered)
    assert error.value.code == "already_open"
    services.withdraw(first, actor=registered.student.user)
    second = file_request(registered)
    assert second.pk != first.pk and Request.objects.get(pk=first.pk).state == State.WITHDRAWN


def test_a_card_reissue_needs_the_declaration_checked_by_content(registered, file_request):
    with pytest.raises(services.RequestError) as error:
        file_request(registered, Kind.CARD_REISSUE, {"reason": "lost"})
    assert error.value.code == "attachment_required"
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("declaration.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ValidationError) as refusal:
        file_request(registered, Kind.CARD_REISSUE, {"reason": "lost"}, [fake])
    assert refusal.value.code == "unsupported_type"
    assert not Request.objects.exists()

    request = file_request(registered, Kind.CARD_REISSUE, {"reason": "stolen"}, [photo()])
    (attachment,) = request.attachments.all()
    assert attachment.content_type == "image/png"
    assert attachment.file.name.startswith(f"requests/{registered.pk}/")
    with attachment.file.open("rb") as handle:
        assert handle.read().startswith(b"\x89PNG")


def test_a_refund_needs_something_paid(registered, file_request):
    with pytest.raises(services.RequestError) as error:
        file_request(registered, Kind.FEE_REFUND, {"reason": "Boursière"})
    assert error.value.code == "nothing_to_refund"


def test_files_may_be_added_while_the_request_is_open(registered, file_request, iut_agent):
    request = file_request(registered)
    services.add_attachment(request, photo(), actor=registered.student.user)
    assert request.attachments.count() == 1
    services.refuse(request, actor=iut_agent, message="Justificatif illisible.")
    with pytest.raises(services.RequestError) as error:
        services.add_attachment(request, photo(), actor=registered.student.user)
    assert error.value.code == "closed"
    assert actions(request)[:2] == ["requests.filed", "requests.attachment_added"]


# --- Assigning and withdrawing -------------------------------------------------------------------


def test_an_agent_takes_a_request_of_their_component(registered, file_request, iut_agent, other_agent):
    request = file_request(registered)
    with pytest.raises(services.RequestError) as error:
        services.assign(request, other_agent, actor=other_agent)
    assert error.value.code == "out_of_scope"
    taken = services.assign(request, iut_agent, actor=iut_agent)
    assert taken.state == State.IN_REVIEW and taken.assigned_to == iut_agent and taken.assigned_at
    assert actions(request) == ["requests.filed", "requests.assigned"]


def test_a_decided_request_cannot_be_withdrawn(registered, file_request, iut_agent):
    request = file_request(registered)
    services.accept(request, actor=iut_agent)
    with pytest.raises(services.RequestError) as error:
        services.withdraw(request, actor=registered.student.user)
    assert error.value.code == "not_allowed"
    assert Request.objects.get(pk=request.pk).state == State.ACCEPTED


def test_an_auditor_cannot_decide(registered, file_request, chartres_auditor):
    request = file_request(registered)
    for decide in (
        lambda: services.accept(request, actor=chartres_auditor),
        lambda: services.refuse(request, actor=chartres_auditor, message="Non"),
        lambda: services.assign(request, chartres_auditor, actor=chartres_auditor),
    ):
        with pytest.raises(services.RequestError) as error:
            decide()
        assert error.value.code == "out_of_scope"
    assert Request.objects.get(pk=request.pk).state == State.SUBMITTED


# --- Decisions -----------------------------------------------------------------------------------


def test_accepting_an_address_change_updates_the_registration_and_the_certificate(
    registered, file_request, iut_agent, django_capture_on_commit_callbacks, outbox
):
    before = certified_data(registered)
    assert before["address"] == ["12 rue des Écuyers", "28000 Chartres", "France"]
    request = file_request(registered)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.accept(request, actor=iut_agent, message="C'est noté.")
    assert accepted.state == State.ACCEPTED and accepted.decided_by == iut_agent and accepted.decided_at
    assert accepted.outcome["previous_address"]["city"] == "Chartres"
    registered.refresh_from_db()
    for contacts in (registered.cleaned["contacts"], registered.data["contacts"]):
        assert {k: contacts[k] for k in NEW_ADDRESS} == NEW_ADDRESS
    assert registered.cleaned["contacts"]["phone"] == "+33612345678"  # the rest is kept
    assert certified_data(registered)["address"] == ["3 place des Halles", "45000 Orléans", "France"]
    # Taken by the deciding agent first, then accepted: both audited.
    assert actions(request) == ["requests.filed", "requests.assigned", "requests.accepted"]
    email = Email.objects.get(kind="request_accepted")
    assert email.to == "chloe.lefevre@example.org"
    assert "a accepté votre demande" in email.body and "has accepted your request" in email.body
    assert "C'est noté." in email.body
    assert "prochain certificat" in email.body
    assert [m.to for m in outbox] == [["chloe.lefevre@example.org"]]


def test_a_refusal_needs_a_message_and_tells_the_student(registered, file_request, iut_agent):
    request = file_request(registered, Kind.SITUATION_CHANGE, {"situation": "Salariée à mi-temps"})
    with pytest.raises(services.RequestError) as error:
        services.refuse(request, actor=iut_agent, message="  ")
    assert error.value.code == "message_required"
    refused = services.refuse(request, actor=iut_agent, message="Il manque le contrat de travail.")
    assert refused.state == State.REFUSED and refused.message == "Il manque le contrat de travail."
    email = Email.objects.get(kind="request_refused")
    assert "refusé" in email.body and "Il manque le contrat de travail." in email.body
    registered.refresh_from_db()
    assert "situation_changes" not in registered.cleaned
    assert Event.objects.get(action="requests.refused").data["message"] == "Il manque le contrat de travail."


def test_accepting_a_situation_change_records_it(registered, file_request, iut_agent):
    request = file_request(registered, Kind.SITUATION_CHANGE, {"situation": "Salariée à mi-temps"})
    services.assign(request, iut_agent, actor=iut_agent)
    services.accept(request, actor=iut_agent)
    registered.refresh_from_db()
    (change,) = registered.cleaned["situation_changes"]
    assert change["situation"] == "Salariée à mi-temps" and change["request"] == request.pk
    assert change["accepted_by"] == iut_agent.pk


def test_accepting_an_exemption_records_it_and_points_to_a_refund_request(
    registered, file_request, iut_agent
):
    request = file_request(registered, Kind.FEE_EXEMPTION, {"grounds": "Réfugiée"}, [photo()])
    services.accept(request, actor=iut_agent)
    registered.refresh_from_db()
    assert registered.cleaned["fee_exemption"]["request"] == request.pk
    assert "demande de remboursement" in Email.objects.get(kind="request_accepted").body


def test_accepting_a_card_reissue_only_records_the_decision(registered, file_request, iut_agent):
    cleaned = dict(registered.cleaned)
    request = file_request(registered, Kind.CARD_REISSUE, {"reason": "lost"}, [photo()])
    assert services.accept(request, actor=iut_agent).state == State.ACCEPTED
    registered.refresh_from_db()
    assert registered.cleaned == cleaned


def test_a_refund_gives_back_the_amount_asked_when_lower(paid, file_request, iut_agent):
    payment = paid.payments.get(status=Payment.Status.CONFIRMED)
    request = file_request(paid, Kind.FEE_REFUND, {"reason": "Double paiement", "amount_cents": 5000})
    accepted = services.accept(request, actor=iut_agent)
    payment.refresh_from_db()
    assert payment.refunded_cents == 5000 and payment.status == Payment.Status.PARTLY_REFUNDED
    assert accepted.outcome["refunded_cents"] == 5000
    assert accepted.outcome["refunds"] == [
        {"payment": payment.reference, "amount_cents": 5000, "through_gateway": False}
    ]
    assert Event.objects.filter(action="payments.refunded", actor=iut_agent).count() == 1


def test_a_refund_gives_back_what_was_paid_at_most(paid, file_request, iut_agent):
    payment = paid.payments.get(status=Payment.Status.CONFIRMED)
    asked = 10 * payment.paid_cents
    request = file_request(paid, Kind.FEE_REFUND, {"reason": "Exonérée", "amount_cents": asked})
    accepted = services.accept(request, actor=iut_agent)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_cents == payment.paid_cents
    assert accepted.outcome["refunded_cents"] == payment.paid_cents
    assert services.refundable_cents(paid) == 0


def test_a_refund_through_the_gateway_when_it_can(paid, file_request, iut_agent):
    # The fee paid by card through the payment simulator rather than at the desk.
    Payment.objects.filter(registration=paid).update(
        gateway="simulator", manual=False, transaction_id="sim-1"
    )
    payment = paid.payments.get()
    bank = bank_transaction(payment, transaction_id="sim-1", amount_cents=payment.paid_cents)
    request = file_request(paid, Kind.FEE_REFUND, {"reason": "Exonérée"})
    accepted = services.accept(request, actor=iut_agent)
    bank.refresh_from_db()
    assert bank.refunded_cents == payment.paid_cents
    assert accepted.outcome["refunds"][0]["through_gateway"] is True


def test_deciding_twice_is_refused(registered, file_request, iut_agent):
    request = file_request(registered)
    services.accept(request, actor=iut_agent)
    with pytest.raises(services.RequestError) as error:
        services.refuse(request, actor=iut_agent, message="Finalement non.")
    assert error.value.code == "not_allowed"
    assert Email.objects.filter(kind__startswith="request_").count() == 1


def test_a_refund_over_two_payments_keeps_what_the_bank_did_when_the_second_fails(
    paid, file_request, iut_agent, monkeypatch
):
    from matricule.payments.gateways.base import GatewayError
    from matricule.payments.simulator.gateway import SimulatorGateway

    first = paid.payments.get()
    half = first.paid_cents // 2
    Payment.objects.filter(pk=first.pk).update(
        gateway="simulator", manual=False, transaction_id="sim-1", paid_cents=half, amount_cents=half
    )
    second = Payment.objects.create(
        registration=paid,
        reference="SECOND-1",
        gateway="simulator",
        amount_cents=first.paid_cents - half,
        paid_cents=first.paid_cents - half,
        currency="EUR",
        fee_key=f"{first.fee_key}:2",
        status=Payment.Status.CONFIRMED,
        confirmed_at=first.confirmed_at,
        transaction_id="sim-2",
    )
    calls = []

    def refund(self, reference, amount_cents, *, transaction_id=""):
        calls.append(reference)
        if len(calls) == 2:
            raise GatewayError("bank unavailable")

    monkeypatch.setattr(SimulatorGateway, "refund", refund)
    request = file_request(paid, Kind.FEE_REFUND, {"reason": "Exonérée"})
    accepted = services.accept(request, actor=iut_agent)
    done, failed = (Payment.objects.get(reference=calls[0]), Payment.objects.get(reference=calls[1]))
    assert {done.pk, failed.pk} == {first.pk, second.pk}
    assert done.refunded_cents == done.paid_cents and failed.refunded_cents == 0
    assert accepted.state == State.ACCEPTED
    assert accepted.outcome["refunded_cents"] == done.paid_cents
    assert accepted.outcome["left_cents"] == failed.paid_cents
    assert Event.objects.filter(action="requests.refund_incomplete", actor=iut_agent).count() == 1


def test_a_refund_whose_first_bank_call_fails_is_not_decided(paid, file_request, iut_agent, monkeypatch):
    from matricule.payments.gateways.base import GatewayError
    from matricule.payments.simulator.gateway import SimulatorGateway

    Payment.objects.filter(registration=paid).update(
        gateway="simulator", manual=False, transaction_id="sim-1"
    )

    def refund(self, reference, amount_cents, *, transaction_id=""):
        raise GatewayError("bank unavailable")

    monkeypatch.setattr(SimulatorGateway, "refund", refund)
    request = file_request(paid, Kind.FEE_REFUND, {"reason": "Exonérée"})
    with pytest.raises(services.RequestError) as error:
        services.accept(request, actor=iut_agent)
    assert error.value.code == "refund_failed"
    request.refresh_from_db()
    assert request.state != State.ACCEPTED and paid.payments.get().refunded_cents == 0


def test_a_student_leaving_who_gets_everything_back_is_no_longer_registered(
    paid, file_request, iut_agent, django_capture_on_commit_callbacks
):
    request = file_request(paid, Kind.FEE_REFUND, {"reason": "Je quitte la formation", "leaving": True})
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.accept(request, actor=iut_agent)
    paid.refresh_from_db()
    assert accepted.outcome["cancelled"] is True
    assert paid.state == "cancelled" and paid.cancelled_at is not None
    reason = Event.objects.get(action="registration.cancel_reason", object_id=str(paid.pk))
    assert reason.actor == iut_agent and reason.data["reason"] == services.WITHDRAWAL_REASON


def test_a_partial_refund_or_a_refund_without_leaving_keeps_the_registration(paid, file_request, iut_agent):
    partial = file_request(
        paid, Kind.FEE_REFUND, {"reason": "Je pars", "leaving": True, "amount_cents": 1000}
    )
    assert "cancelled" not in services.accept(partial, actor=iut_agent).outcome
    paid.refresh_from_db()
    assert paid.state == "registered"
    rest = file_request(paid, Kind.FEE_REFUND, {"reason": "Exonérée après coup"})
    services.accept(rest, actor=iut_agent)
    paid.refresh_from_db()
    assert paid.state == "registered" and services.refundable_cents(paid) == 0
