"""`manage.py reconcile_payments`: asks the gateways about payments left pending."""

import datetime

from django.core.management import call_command

from matricule.payments import services
from matricule.payments.models import Payment
from tests.payments.conftest import bank_transaction, notify, outcome_fields


def test_reconcile_command_and_staff_see_anomalies(client, awaiting, administrator, capsys):
    from django.core.management import call_command

    payment, _ = services.start_payment(awaiting)
    notify(client, outcome_fields(payment, amount=100))
    call_command("reconcile_payments")
    assert "0 pending" in capsys.readouterr().out
    client.force_login(administrator)
    listing = client.get("/admin/payments/payment/?anomaly__exact=underpaid").content.decode()
    assert payment.reference in listing


def test_the_command_looks_up_what_is_pending_for_longer_than_asked(awaiting, capsys):
    payment, _action = services.start_payment(awaiting)
    bank_transaction(payment)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - datetime.timedelta(minutes=2)
    )
    call_command("reconcile_payments")  # five minutes by default: too recent
    assert capsys.readouterr().out.strip() == "0 pending payment(s) looked up."
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    call_command("reconcile_payments", "--minutes", "1")
    assert capsys.readouterr().out.strip() == "1 pending payment(s) looked up."
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.paid_cents == payment.amount_cents


def test_the_command_lists_what_no_lookup_settled(settings, awaiting, capsys):
    from tests.payments.gateways.test_paybox import OPTIONS

    settings.MATRICULE_PAYMENT_GATEWAYS = {**settings.MATRICULE_PAYMENT_GATEWAYS, "paybox": OPTIONS}
    payment = Payment.objects.create(
        registration=awaiting,
        reference="MAT00000000000000AB",
        gateway="paybox",
        amount_cents=17800,
        currency="EUR",
        fee_key=services.fee_key(awaiting),
        status=Payment.Status.PENDING,
    )
    created = datetime.datetime(2024, 7, 8, 10, 30, tzinfo=datetime.UTC)
    Payment.objects.filter(pk=payment.pk).update(created_at=created)
    call_command("reconcile_payments")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "0 pending payment(s) looked up.",
        "1 payment(s) pending for more than 5 minute(s) that no gateway look-up settled:",
        "  MAT00000000000000AB  paybox  178.00 EUR  pending since 2024-07-08 12:30  (no lookup)",
    ]
