# ruff: noqa: F811 - fixtures imported from the payments tests are used as arguments
"""Paying through the built-in simulator, from the payment page to the bank's card form and back:
the registration is confirmed (student number, email) and the payment receipt can be downloaded;
or, in three instalments, registered after the first and the others paid when due."""

from django.core import mail

from matricule.payments.models import Payment
from matricule.registration.models import State
from tests.payments.conftest import Bank, awaiting, notify, tasks_at_once  # noqa: F401


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
