"""The student's payment pages and the gateways' notification address, with the built-in
simulator as the gateway and Django's test client in the browser's (and the bank's) place."""

import pytest

from matricule.payments import services
from matricule.payments.models import Notification, Payment
from matricule.payments.simulator.gateway import signed
from matricule.registration.models import State
from tests.payments.conftest import Bank, notify, outcome_fields


def test_the_breakdown_is_shown_before_paying(client, awaiting):
    from html import unescape

    from django.utils import translation

    from matricule.fees.rules import LABELS

    client.force_login(awaiting.student.user)
    page = client.get(f"/inscription/{awaiting.pk}/paiement/").content.decode()
    page = unescape(page).replace("\u00a0", " ")
    assert awaiting.state == State.AWAITING_PAYMENT
    assert awaiting.fee_lines == [{"code": "registration_fee", "amount_cents": 17800}]
    with translation.override("fr"):
        assert str(LABELS["registration_fee"]) in page
    assert page.count("<td>178 €</td>") == 2  # the line and the total


def test_a_refused_card_can_try_again_without_a_second_registration(client, awaiting, monkeypatch):
    monkeypatch.setattr(
        "matricule.payments.simulator.views.deliver_notification", Bank(lambda fields: notify(client, fields))
    )
    client.force_login(awaiting.student.user)
    action = client.post(f"/inscription/{awaiting.pk}/paiement/").context["action"]
    back = client.post(
        "/simulateur-paiement/carte/",
        {**action.fields, "action": "pay", "number": "4000000000000002", "expiry": "12/30", "cvc": "123"},
    )
    page = client.get(back.url, follow=True).content.decode()
    assert "refusé" in page
    awaiting.refresh_from_db()
    assert awaiting.state == State.AWAITING_PAYMENT
    second = client.post(f"/inscription/{awaiting.pk}/paiement/").context["action"]
    assert second.fields["reference"] != action.fields["reference"]
    assert awaiting.student.registrations.count() == 1


def test_forged_and_tampered_notifications_change_nothing(client, awaiting):
    payment, _action = services.start_payment(awaiting)
    forged = signed(
        {
            "reference": payment.reference,
            "amount": "17800",
            "currency": "EUR",
            "status": "confirmed",
            "transaction_id": "x",
        },
        "not-the-secret",
    )
    tampered = {**outcome_fields(payment, amount=100), "amount": "17800"}
    for fields in (forged, tampered):
        assert notify(client, fields).status_code == 200  # answered, but not acted upon
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert Notification.objects.filter(verified=False).count() == 2


@pytest.mark.parametrize(
    ("amount", "currency", "anomaly"),
    [(100, "EUR", "underpaid"), (99999, "EUR", "overpaid"), (17800, "USD", "currency")],
)
def test_wrong_amount_or_currency_is_shown_to_staff_not_accepted(client, awaiting, amount, currency, anomaly):
    payment, _action = services.start_payment(awaiting)
    notify(client, outcome_fields(payment, amount=amount, currency=currency))
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == Payment.Status.TO_REVIEW and payment.anomaly == anomaly
    assert awaiting.state == State.AWAITING_PAYMENT


def test_two_attempts_both_paid_the_second_is_a_duplicate(client, awaiting):
    first, _ = services.start_payment(awaiting)
    second = Payment.objects.create(
        registration=awaiting,
        reference="MATDUPLICATE",
        gateway="simulator",
        amount_cents=first.amount_cents,
        fee_key=first.fee_key,
        status=Payment.Status.PENDING,
    )
    notify(client, outcome_fields(first))
    notify(client, outcome_fields(second, txn="t2"))
    second.refresh_from_db()
    assert second.anomaly == "duplicate" and second.status == Payment.Status.TO_REVIEW
    assert Payment.objects.filter(status=Payment.Status.CONFIRMED).count() == 1


def test_the_return_page_waits_when_the_notification_is_late(client, awaiting):
    payment, _ = services.start_payment(awaiting)
    client.force_login(awaiting.student.user)
    page = client.get(f"/paiement/retour/{payment.reference}/")
    text = page.content.decode()
    assert "en cours de confirmation" in text and 'http-equiv="refresh"' in text
    notify(client, outcome_fields(payment))
    assert client.get(f"/paiement/retour/{payment.reference}/").status_code == 302


def test_the_return_page_of_a_gateway_no_longer_configured_shows_the_payment(client, awaiting, settings):
    payment, _ = services.start_payment(awaiting)
    before = payment.status
    settings.MATRICULE_PAYMENT_GATEWAYS = {**settings.MATRICULE_PAYMENT_GATEWAYS, "simulator": {}}
    client.force_login(awaiting.student.user)
    page = client.get(f"/paiement/retour/{payment.reference}/?ref={payment.reference}&status=confirmed")
    assert page.status_code == 200 and "en cours de confirmation" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == before and not payment.notifications.exists()


def test_notification_url_is_outside_language_prefixes_and_needs_no_csrf(client, awaiting):
    payment, _ = services.start_payment(awaiting)
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert notify(strict, outcome_fields(payment)).status_code == 200


def test_a_notification_we_cannot_check_now_is_answered_retry(client, awaiting, monkeypatch):
    from matricule.payments.gateways.base import GatewayError
    from matricule.payments.simulator.gateway import SimulatorGateway

    payment, _ = services.start_payment(awaiting)

    def unavailable(self, *args, **kwargs):
        raise GatewayError("look-up service down")

    monkeypatch.setattr(SimulatorGateway, "verify_notification", unavailable)
    response = notify(client, outcome_fields(payment))
    assert response.status_code == 500  # the gateway sends it again later
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


@pytest.mark.parametrize(
    ("code", "options"),
    [
        ("nowhere", {}),  # no such gateway
        ("manual", {}),  # payments recorded by hand have no notifications
        ("paybox", {}),  # a real gateway this instance has no account with
        ("payfip", {"numcli": "", "saisie": "W", "endpoint": ""}),
        ("simulator", {}),  # the simulator where it is off
    ],
)
def test_a_notification_for_a_gateway_not_configured_here_is_not_found(db, client, settings, code, options):
    settings.MATRICULE_PAYMENT_GATEWAYS = {**settings.MATRICULE_PAYMENT_GATEWAYS, code: options}
    for method in (client.post, client.get):
        response = method(f"/paiement/notification/{code}/", {"idOp": "x", "signature": "y"})
        assert response.status_code == 404  # not 500: nothing for the caller to retry
    assert not Notification.objects.exists()
