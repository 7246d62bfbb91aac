"""Reconciliation end to end: a Paybox or Systempay attempt whose notification was lost is settled by
`reconcile()` asking the gateway (a fake Paybox Direct / Lyra REST server on 127.0.0.1), once, even
when reconcile runs again or the late notification arrives afterwards; the attempts no look-up can
settle are listed for staff (reconcile's answer, the admin's filter)."""

import base64
import datetime
from urllib.parse import quote, urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from matricule.audit.models import Event
from matricule.payments import services
from matricule.payments.models import Notification, Payment
from matricule.registration.models import State

from .gateways import test_paybox, test_paybox_lookup, test_systempay, test_systempay_lookup
from .gateways.test_paybox_lookup import ppps  # noqa: F401 - the fake Paybox Direct
from .gateways.test_systempay_lookup import lyra  # noqa: F401 - the fake Lyra REST API

# Paybox's signing key for these tests: the adapter is given its public half, as it is Paybox's.
PAYBOX_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PAYBOX_PUBLIC_PEM = (
    PAYBOX_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


@pytest.fixture
def gateways(settings, ppps, lyra):  # noqa: F811 - the fixtures imported above
    settings.MATRICULE_PAYMENT_GATEWAYS = {
        **settings.MATRICULE_PAYMENT_GATEWAYS,
        "paybox": test_paybox_lookup.lookup_options(ppps, public_key_pem=PAYBOX_PUBLIC_PEM),
        "systempay": test_systempay_lookup.lookup_options(lyra),
    }
    return ppps, lyra


def age(payment, minutes=10):
    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - datetime.timedelta(minutes=minutes)
    )


def late_paybox_notification(client, payment, numtrans):
    query = (
        f"montant={payment.amount_cents}&reference={payment.reference}&auto=XXXXXX&erreur=00000"
        f"&appel=0010452318&trans={numtrans}&date=08072024&heure=12%3A34%3A56"
    )
    signature = PAYBOX_KEY.sign(query.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - Paybox's
    query += "&signature=" + quote(base64.b64encode(signature).decode(), safe="")
    return client.get(f"/paiement/notification/paybox/?{query}")


def late_systempay_notification(client, payment, uuid):
    fields = {
        **test_systempay.IPN,
        "vads_order_id": payment.reference,
        "vads_amount": str(payment.amount_cents),
        "vads_effective_amount": str(payment.amount_cents),
        "vads_trans_uuid": uuid,
    }
    fields["signature"] = test_systempay.lyra_signature(fields, test_systempay.KEY)
    return client.post(
        "/paiement/notification/systempay/",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )


def pay_at_the_gateway(code, payment, paybox_direct, lyra_api):
    """The student paid; the gateway knows it, its notification to us is lost."""
    if code == "paybox":
        paybox_direct.pay(payment.reference, payment.amount_cents, "Capturé")
        return "0060912345"
    lyra_api.pay(
        test_systempay_lookup.transaction(7, payment.amount_cents, order=payment.reference),
        order=payment.reference,
    )
    return f"{7:032x}"


@pytest.mark.parametrize("code", ["paybox", "systempay"])
def test_a_lost_notification_is_settled_by_the_lookup_once(client, awaiting, gateways, code):
    paybox_direct, lyra_api = gateways
    payment, _action = services.start_payment(awaiting, gateway_code=code)
    transaction_id = pay_at_the_gateway(code, payment, paybox_direct, lyra_api)
    assert services.reconcile().looked_up == 0  # too recent: the notification may still come
    age(payment)

    first = services.reconcile()
    assert (first.looked_up, first.unsettled) == (1, [])
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and awaiting.state == State.REGISTERED
    assert (payment.paid_cents, payment.transaction_id) == (payment.amount_cents, transaction_id)
    assert payment.notifications.get().result == "confirmed"

    assert services.reconcile().looked_up == 0  # no longer pending: not asked again
    late = (late_paybox_notification if code == "paybox" else late_systempay_notification)(
        client, payment, transaction_id
    )
    assert late.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and payment.paid_cents == payment.amount_cents
    assert [note.result for note in payment.notifications.order_by("pk")] == [
        "confirmed",
        "already confirmed",
    ]
    assert Event.objects.filter(action="payments.confirmed", object_id=str(payment.pk)).count() == 1


@pytest.mark.parametrize("code", ["paybox", "systempay"])
def test_a_lookup_that_answers_while_the_notification_arrives_acts_once(client, awaiting, gateways, code):
    paybox_direct, lyra_api = gateways
    payment, _action = services.start_payment(awaiting, gateway_code=code)
    transaction_id = pay_at_the_gateway(code, payment, paybox_direct, lyra_api)
    age(payment)
    late = (late_paybox_notification if code == "paybox" else late_systempay_notification)(
        client, payment, transaction_id
    )
    assert late.status_code == 200
    assert services.reconcile().looked_up == 0  # the notification came first: nothing left to ask
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert Event.objects.filter(action="payments.confirmed", object_id=str(payment.pk)).count() == 1


@pytest.mark.parametrize("code", ["paybox", "systempay"])
def test_an_attempt_the_gateway_does_not_know_stays_pending(awaiting, gateways, code):
    payment, _action = services.start_payment(awaiting, gateway_code=code)
    age(payment)
    assert services.reconcile().looked_up == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.notifications.get().result == "still pending"


def test_a_refusal_found_by_the_lookup_ends_the_attempt(awaiting, gateways):
    paybox_direct, _lyra_api = gateways
    payment, _action = services.start_payment(awaiting, gateway_code="paybox")
    paybox_direct.pay(payment.reference, payment.amount_cents, "Refusé")
    age(payment)
    services.reconcile()
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and awaiting.state == State.AWAITING_PAYMENT


# --- what no look-up settles, listed for staff ----------------------------------------------------------


def pending(registration, code, minutes=40):
    payment = Payment.objects.create(
        registration=registration,
        reference=services.new_reference(),
        gateway=code,
        amount_cents=17800,
        currency="EUR",
        fee_key=services.fee_key(registration),
        status=Payment.Status.PENDING,
    )
    age(payment, minutes)
    return payment


@pytest.fixture
def no_lookup_here(settings, lyra):  # noqa: F811
    """Paybox without Paybox Direct; Systempay with its REST API (down in some tests); PayFiP not
    configured at all."""
    settings.MATRICULE_PAYMENT_GATEWAYS = {
        **settings.MATRICULE_PAYMENT_GATEWAYS,
        "paybox": test_paybox.OPTIONS,
        "systempay": test_systempay_lookup.lookup_options(lyra),
        "payfip": {},
    }
    return lyra


def test_attempts_no_lookup_can_settle_are_listed(awaiting, no_lookup_here):
    lyra_api = no_lookup_here
    paybox, payfip, systempay = (
        pending(awaiting, "paybox"),
        pending(awaiting, "payfip"),
        pending(awaiting, "systempay"),
    )
    pending(awaiting, "paybox", minutes=1)  # too recent to worry about
    lyra_api.trouble = "http500"

    result = services.reconcile()
    assert result.looked_up == 0
    assert [(item.payment, item.reason) for item in result.unsettled] == [
        (paybox, services.NO_LOOKUP),
        (payfip, services.NOT_CONFIGURED),
        (systempay, services.LOOKUP_FAILED),
    ]
    assert result.unsettled[2].detail == "Systempay REST API: HTTP 500"
    assert "numcli" in result.unsettled[1].detail

    # The failed look-up is on the payment's notifications, once however many runs fail alike.
    services.reconcile()
    failed = systempay.notifications.get()
    assert (failed.channel, failed.verified) == ("lookup", False)
    assert failed.result == "lookup failed: Systempay REST API: HTTP 500"[:40]
    assert failed.raw == "Systempay REST API: HTTP 500"

    # Back up: the look-up is heard again and the payment leaves the "failed" list.
    lyra_api.trouble = ""
    result = services.reconcile()
    assert result.looked_up == 1 and systempay not in [item.payment for item in result.unsettled]
    assert Notification.objects.filter(payment=systempay).count() == 2


def test_staff_filter_the_attempts_no_lookup_settles(client, awaiting, administrator, no_lookup_here):
    lyra_api = no_lookup_here
    paybox, payfip, systempay = (
        pending(awaiting, "paybox"),
        pending(awaiting, "payfip"),
        pending(awaiting, "systempay"),
    )
    recent = pending(awaiting, "paybox", minutes=10)  # within the dashboard's 30 minutes
    lyra_api.trouble = "http500"
    services.reconcile()
    client.force_login(administrator)

    def listed(choice):
        page = client.get(f"/admin/payments/payment/?pending={choice}").content.decode()
        return {payment for payment in (paybox, payfip, systempay, recent) if payment.reference in page}

    assert listed("no_lookup") == {paybox, payfip}
    assert listed("lookup_failed") == {systempay}
    assert listed("all") == {paybox, payfip, systempay}
    page = client.get("/admin/payments/payment/").content.decode()
    assert "?pending=no_lookup" in page and "?pending=lookup_failed" in page


def test_the_filter_follows_the_dashboards_delay(client, settings, awaiting, administrator, no_lookup_here):
    settings.MATRICULE_DASHBOARD_PENDING_MINUTES = 5
    recent = pending(awaiting, "paybox", minutes=10)
    client.force_login(administrator)
    assert recent.reference in client.get("/admin/payments/payment/?pending=no_lookup").content.decode()
