"""A registration's life from the back office (`lifecycle.py`): cancel with or without a refund,
refund part or all, a student leaving who got everything back, the activation link again."""

import pytest

from matricule.audit.models import Event
from matricule.backoffice import lifecycle
from matricule.certificates.models import IssuedDocument
from matricule.payments import refunds
from tests.payments.conftest import awaiting  # noqa: F401
from tests.requests.conftest import paid  # noqa: F401


def test_cancelling_with_a_refund_gives_everything_back_and_revokes_the_certificates(
    paid,  # noqa: F811
    administrator,
    django_capture_on_commit_callbacks,
):
    from matricule.certificates.services import issue_summary

    summary = issue_summary(paid)
    with django_capture_on_commit_callbacks(execute=True):
        refunded = lifecycle.cancel(paid, actor=administrator, reason="Erreur de formation", refund=True)
    paid.refresh_from_db()
    assert paid.state == "cancelled"
    assert refunded.refunded_cents == paid.fee_total_cents and refunds.refundable_cents(paid) == 0
    assert IssuedDocument.objects.get(pk=summary.pk).status == "revoked"
    reason = Event.objects.get(action="registration.cancel_reason", object_id=str(paid.pk))
    assert reason.actor == administrator and reason.data["reason"] == "Erreur de formation"
    with pytest.raises(lifecycle.LifecycleError) as error:
        lifecycle.cancel(paid, actor=administrator, reason="Encore", refund=False)
    assert error.value.code == "already_cancelled"


def test_cancelling_without_a_refund_keeps_the_money(paid, administrator):  # noqa: F811
    assert lifecycle.cancel(paid, actor=administrator, reason="Fraude", refund=False) is None
    paid.refresh_from_db()
    assert paid.state == "cancelled" and refunds.refundable_cents(paid) == paid.fee_total_cents


def test_a_partial_refund_keeps_the_registration_and_says_why(paid, administrator):  # noqa: F811
    done = lifecycle.refund(paid, actor=administrator, reason="Trop perçu", amount_cents=1000, leaving=True)
    paid.refresh_from_db()
    assert done.refunded_cents == 1000 and paid.state == "registered"
    event = Event.objects.get(action="registration.refunded_by_staff")
    assert event.data["reason"] == "Trop perçu" and event.data["amount_cents"] == 1000


def test_a_student_leaving_who_gets_everything_back_is_withdrawn(paid, administrator):  # noqa: F811
    lifecycle.refund(paid, actor=administrator, reason="Réorientation", amount_cents=None, leaving=True)
    paid.refresh_from_db()
    assert paid.state == "cancelled"
    reason = Event.objects.get(action="registration.cancel_reason", object_id=str(paid.pk))
    assert reason.data["reason"] == "withdrawal (fees refunded): Réorientation"
    with pytest.raises(lifecycle.LifecycleError) as error:
        lifecycle.refund(paid, actor=administrator, reason="Encore", amount_cents=None, leaving=False)
    assert error.value.code == "nothing_to_refund"


def test_the_activation_link_again_for_a_registered_student_without_a_password(
    paid,  # noqa: F811
    iut_agent,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    from matricule.notifications.models import Email

    user = paid.student.user
    user.set_unusable_password()
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.send_activation(paid, actor=iut_agent) is True
    assert Email.objects.filter(kind__contains="activat").count() == 1
    assert Event.objects.filter(action="registration.activation_link_resent", actor=iut_agent).count() == 1
    user.set_password("un mot de passe solide 2026")
    user.save()
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.send_activation(paid, actor=iut_agent)


def test_a_form_awaiting_payment_goes_back_to_the_student_who_is_told(
    awaiting,  # noqa: F811
    iut_agent,
    django_capture_on_commit_callbacks,
):
    from matricule.notifications.models import Email

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reopen(awaiting, actor=iut_agent, reason="Le numéro INE est faux")
    awaiting.refresh_from_db()
    assert awaiting.state == "draft"
    email = Email.objects.get(kind="registration_reopened")
    assert "Le numéro INE est faux" in email.body
    reason = Event.objects.get(action="registration.reopen_reason")
    assert reason.actor == iut_agent and reason.data["reason"] == "Le numéro INE est faux"
    # Given back once: a draft is not reopened again.
    with pytest.raises(lifecycle.LifecycleError) as error:
        lifecycle.reopen(awaiting, actor=iut_agent, reason="Encore")
    assert error.value.code == "not_reopenable"


@pytest.mark.parametrize(
    ("status", "code"),
    [("pending", "payment_under_way"), ("created", "payment_under_way"), ("confirmed", "paid_already")],
)
def test_no_form_goes_back_while_money_is_or_may_be_taken(
    awaiting,  # noqa: F811
    iut_agent,
    status,
    code,
):
    from matricule.payments.models import Payment

    Payment.objects.create(
        registration=awaiting,
        reference="REOPEN0001",
        gateway="simulator",
        amount_cents=awaiting.fee_total_cents,
        paid_cents=awaiting.fee_total_cents if status == "confirmed" else None,
        status=status,
        fee_key="reopen",
    )
    with pytest.raises(lifecycle.LifecycleError) as error:
        lifecycle.reopen(awaiting, actor=iut_agent, reason="Erreur")
    assert error.value.code == code
    awaiting.refresh_from_db()
    assert awaiting.state == "awaiting_payment"
