"""Payments through the built-in simulator, with Django's test client in the browser's place."""

import urllib.parse

import pytest
from django.core import mail

from matricule.payments import services
from matricule.payments.models import Notification, Payment
from matricule.payments.simulator.gateway import signed
from matricule.registration.models import State


def secret():
    return services.gateway_for("simulator").secret


def outcome_fields(payment, status="confirmed", amount=None, currency="EUR", txn="t1"):
    return signed(
        {
            "reference": payment.reference,
            "amount": str(payment.amount_cents if amount is None else amount),
            "currency": currency,
            "status": status,
            "transaction_id": txn,
        },
        secret(),
    )


def notify(client, fields):
    return client.post(
        "/paiement/notification/simulator/",
        urllib.parse.urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


class Bank:
    """Stands for the bank's task queue: delivers the notification through the test client."""

    def __init__(self, deliver):
        self.deliver = deliver

    def enqueue(self, fields, url, delay=0):
        return self.deliver(fields)


def test_the_breakdown_is_shown_before_paying(client, awaiting):
    from django.utils import translation
    from django.utils.html import escape

    from matricule.fees.rules import LABELS

    client.force_login(awaiting.student.user)
    page = client.get(f"/inscription/{awaiting.pk}/paiement/").content.decode().replace("\u00a0", " ")
    assert awaiting.state == State.AWAITING_PAYMENT
    assert awaiting.fee_lines == [{"code": "registration_fee", "amount_cents": 17800}]
    with translation.override("fr"):
        assert escape(str(LABELS["registration_fee"])) in page
    assert page.count("<td>178 €</td>") == 2  # the line and the total


def test_paying_in_the_simulator_registers_the_student(
    client, awaiting, monkeypatch, django_capture_on_commit_callbacks
):
    # The bank's server-to-server call goes through the test client instead of the network.
    delivered = []
    monkeypatch.setattr(
        "matricule.payments.simulator.views.deliver_notification",
        Bank(lambda fields: delivered.append(notify(client, fields))),
    )
    client.force_login(awaiting.student.user)
    page = client.post(f"/inscription/{awaiting.pk}/paiement/")
    assert page.status_code == 200
    action = page.context["action"]
    bank = client.post(action.url, action.fields)
    assert bank.status_code == 200 and "4111 1111 1111 1111" in bank.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(
            "/simulateur-paiement/carte/",
            {
                **action.fields,
                "action": "pay",
                "number": "4111 1111 1111 1111",
                "expiry": "12/30",
                "cvc": "123",
            },
        )
    assert back.status_code == 302
    assert delivered and delivered[0].status_code == 200
    final = client.get(back.url, follow=True)
    awaiting.refresh_from_db()
    assert awaiting.state == State.REGISTERED and awaiting.student.student_number
    assert awaiting.student.student_number in final.content.decode()
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CONFIRMED and payment.paid_cents == 17800
    assert len([m for m in mail.outbox if "confirm" in m.subject.lower()]) == 1
    receipt = client.get(f"/inscription/{awaiting.pk}/attestation-paiement.pdf")
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content).startswith(b"%PDF")


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


def test_reconciliation_asks_the_bank_about_old_pending_payments(client, awaiting):
    import datetime

    from matricule.payments.models import SimulatedBankTransaction

    payment, _ = services.start_payment(awaiting)
    SimulatedBankTransaction.objects.create(
        transaction_id="b1",
        reference=payment.reference,
        amount_cents=payment.amount_cents,
        currency="EUR",
        status="confirmed",
        notify_url="http://127.0.0.1:9/",
        return_url="http://x/",
    )
    assert services.reconcile() == 0  # too recent
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - datetime.timedelta(minutes=10)
    )
    assert services.reconcile() == 1
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and awaiting.state == State.REGISTERED


def test_manual_payment_and_refund_are_audited(awaiting, iut_agent):
    from matricule.audit.models import Event

    payment = services.record_manual_payment(
        awaiting, amount_cents=17800, actor=iut_agent, note="Chèque à l'accueil"
    )
    assert payment.manual and payment.status == Payment.Status.CONFIRMED
    awaiting.refresh_from_db()
    assert awaiting.state == State.REGISTERED
    refunded = services.record_refund(payment, amount_cents=5000, actor=iut_agent, through_gateway=False)
    assert refunded.status == Payment.Status.PARTLY_REFUNDED and refunded.refunded_cents == 5000
    with pytest.raises(services.PaymentError):
        services.record_refund(payment, amount_cents=20000, actor=iut_agent, through_gateway=False)
    actors = set(
        Event.objects.filter(action__in=["payments.manual", "payments.refunded"]).values_list(
            "actor", flat=True
        )
    )
    assert actors == {iut_agent.pk}


def test_notification_url_is_outside_language_prefixes_and_needs_no_csrf(client, awaiting):
    payment, _ = services.start_payment(awaiting)
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert notify(strict, outcome_fields(payment)).status_code == 200


def test_reconcile_command_and_staff_see_anomalies(client, awaiting, administrator, capsys):
    from django.core.management import call_command

    payment, _ = services.start_payment(awaiting)
    notify(client, outcome_fields(payment, amount=100))
    call_command("reconcile_payments")
    assert "0 pending" in capsys.readouterr().out
    client.force_login(administrator)
    listing = client.get("/admin/payments/payment/?anomaly__exact=underpaid").content.decode()
    assert payment.reference in listing


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


def test_three_instalments_register_after_the_first(
    client, awaiting, monkeypatch, django_capture_on_commit_callbacks
):
    awaiting.academic_year.instalments = 3
    awaiting.academic_year.save()
    monkeypatch.setattr(
        "matricule.payments.simulator.views.deliver_notification", Bank(lambda fields: notify(client, fields))
    )
    client.force_login(awaiting.student.user)
    page = client.get(f"/inscription/{awaiting.pk}/paiement/").content.decode().replace("\u00a0", " ")
    assert "59,34 €" in page or "59.34" in page  # 178 € = 59,34 + 59,33 + 59,33
    action = client.post(f"/inscription/{awaiting.pk}/paiement/", {"plan": "instalments"}).context["action"]
    assert action.fields["amount"] == "5934"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/simulateur-paiement/carte/",
            {**action.fields, "action": "pay", "number": "4111111111111111", "expiry": "12/30", "cvc": "123"},
        )
    awaiting.refresh_from_db()
    assert awaiting.state == State.REGISTERED
    scheduled = list(awaiting.payments.filter(status="scheduled").order_by("instalment"))
    assert [(p.instalment, p.amount_cents) for p in scheduled] == [(2, 5933), (3, 5933)]
    assert scheduled[0].due_on < scheduled[1].due_on
    status = client.get(f"/inscription/{awaiting.pk}/").content.decode()
    assert "2/3" in status and "3/3" in status
    # The second instalment, refused, is scheduled again; then paid.
    second = client.post(f"/inscription/{awaiting.pk}/echeance/{scheduled[0].pk}/").context["action"]
    client.post(
        "/simulateur-paiement/carte/",
        {**second.fields, "action": "pay", "number": "4000000000000002", "expiry": "12/30", "cvc": "123"},
    )
    again = awaiting.payments.get(status="scheduled", instalment=2)
    third = client.post(f"/inscription/{awaiting.pk}/echeance/{again.pk}/").context["action"]
    client.post(
        "/simulateur-paiement/carte/",
        {**third.fields, "action": "pay", "number": "4111111111111111", "expiry": "12/30", "cvc": "123"},
    )
    paid = awaiting.payments.filter(status="confirmed").order_by("instalment")
    assert [p.instalment for p in paid] == [1, 2]
    assert sum(p.paid_cents for p in paid) == 5934 + 5933


def test_staff_record_a_desk_payment_and_a_full_refund_in_the_admin(client, awaiting, administrator):
    from matricule.audit.models import Event

    client.force_login(administrator)
    client.post(
        "/admin/registration/registration/",
        {"action": "record_desk_payment", "_selected_action": [awaiting.pk]},
    )
    awaiting.refresh_from_db()
    payment = Payment.objects.get(manual=True)
    assert awaiting.state == State.REGISTERED and payment.recorded_by == administrator
    client.post("/admin/payments/payment/", {"action": "refund_in_full", "_selected_action": [payment.pk]})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_cents == 17800
    assert Event.objects.filter(action="payments.refunded", actor=administrator).exists()
