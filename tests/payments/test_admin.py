"""The payments admin: staff refund a payment in full from the list."""

from matricule.payments import services
from matricule.payments.models import Payment
from matricule.registration.models import State


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


def test_refunding_a_payment_nothing_was_paid_on_is_refused_with_a_message(client, awaiting, administrator):
    payment, _action = services.start_payment(awaiting)
    client.force_login(administrator)
    response = client.post(
        "/admin/payments/payment/",
        {"action": "refund_in_full", "_selected_action": [payment.pk]},
        follow=True,
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.refunded_cents == 0
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"{payment.reference}: nothing was paid"]


def test_a_refund_the_bank_refuses_is_reported_not_a_server_error(client, awaiting, administrator):
    from tests.payments.conftest import notify, outcome_fields

    payment, _action = services.start_payment(awaiting)
    notify(client, outcome_fields(payment, txn="unknown-to-the-bank"))
    client.force_login(administrator)
    response = client.post(
        "/admin/payments/payment/",
        {"action": "refund_in_full", "_selected_action": [payment.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "unknown-to-the-bank" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.refunded_cents == 0
