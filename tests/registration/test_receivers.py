"""How registration plugs itself into the apps below it (matricule.registration.receivers): the
component of an object for the audit trail, and who may activate an account."""

import pytest

from matricule.accounts import activation
from matricule.audit.services import record
from matricule.payments.models import Payment
from matricule.registration import receivers
from matricule.registration.models import Registration, State
from tests.registration.conftest import continuing


@pytest.fixture
def last_year(demo):
    """Emma's registration of last year (IUT de Chartres), registered."""
    return Registration.objects.select_related("stage__programme").get(student=continuing("emma"))


def payment_of(registration):
    return Payment.objects.create(
        registration=registration, reference="T-1", gateway="manual", amount_cents=17800, fee_key="fees"
    )


def test_a_registration_belongs_to_the_component_of_its_stage(last_year):
    assert receivers.component_of(last_year) == last_year.stage.programme.component_id


def test_an_object_of_a_registration_belongs_to_the_registrations_component(
    last_year, django_assert_num_queries
):
    component = receivers.component_of(last_year)  # the reference data (stages) read once
    payment = payment_of(last_year)

    with django_assert_num_queries(0):  # the registration already read
        assert receivers.component_of(payment) == component
    payment = Payment.objects.get(pk=payment.pk)
    with django_assert_num_queries(1):  # the registration's stage only
        assert receivers.component_of(payment) == component


def test_an_object_of_no_registration_belongs_to_no_component(demo):
    assert receivers.component_of(Payment(reference="T-2")) is None


def test_audit_events_on_a_payment_carry_the_component(last_year):
    event = record("payments.payment.checked", obj=payment_of(last_year))

    assert event.component_id == last_year.stage.programme.component_id


def test_the_latest_registered_registration_decides_who_may_activate(last_year):
    emma = last_year.student

    assert receivers.registered_registration(emma.user) == last_year
    assert activation.registered_registration(emma.user) == last_year  # installed at start-up
    Registration.objects.filter(pk=last_year.pk).update(state=State.CANCELLED)
    assert receivers.registered_registration(emma.user) is None


@pytest.mark.usefixtures("immediate_tasks")
def test_a_student_registered_is_offered_the_activation(demo, outbox, django_capture_on_commit_callbacks):
    lucas = continuing("lucas")  # registered last year, account never activated
    registration = Registration.objects.get(student=lucas)

    with django_capture_on_commit_callbacks(execute=True):
        receivers.send_activation(sender=Registration, registration=registration)

    assert [message.to for message in outbox] == [[lucas.user.email]]
    assert "/compte/activer/" in outbox[0].body
