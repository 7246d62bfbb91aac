"""The registration's task (matricule.registration.tasks): once a student is registered, the
worker offers the activation of their account, in their language."""

import pytest

from matricule.registration.models import Registration
from matricule.registration.tasks import offer_activation
from tests.registration.conftest import continuing

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def test_a_registered_student_without_an_activated_account_gets_the_link_in_their_language(
    demo, outbox, django_capture_on_commit_callbacks
):
    lucas = continuing("lucas")  # registered last year, account never activated

    with django_capture_on_commit_callbacks(execute=True):
        offer_activation.enqueue(lucas.pk, "en")

    assert [message.to for message in outbox] == [[lucas.user.email]]
    assert "/en/account/activate/" in outbox[0].body


def test_an_account_already_activated_is_offered_nothing(demo, outbox, django_capture_on_commit_callbacks):
    emma = continuing("emma")

    with django_capture_on_commit_callbacks(execute=True):
        offer_activation.enqueue(emma.pk)

    assert outbox == []


def test_a_student_with_no_registered_registration_is_offered_nothing(
    demo, outbox, django_capture_on_commit_callbacks
):
    lucas = continuing("lucas")
    Registration.objects.filter(student=lucas).update(state="cancelled")

    with django_capture_on_commit_callbacks(execute=True):
        offer_activation.enqueue(lucas.pk)

    assert outbox == []
