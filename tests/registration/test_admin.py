"""The registration's admin (matricule.registration.admin): read-only rows, and the action that
cancels registrations."""

from django.urls import reverse

from matricule.accounts.admission_login import user_for_candidate
from matricule.audit.models import Event
from matricule.registration import services
from matricule.registration.models import Registration, State


def test_staff_cancel_registrations_from_the_list(client, administrator, demo_candidates):
    chloe = demo_candidates["accepted"]
    registration = services.start_registration(chloe, user=user_for_candidate(chloe))
    cancelled = Registration.objects.exclude(state=State.CANCELLED).exclude(pk=registration.pk).first()
    services.cancel_registration(cancelled, actor=administrator, reason="earlier")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:registration_registration_changelist"),
        {"action": "cancel_registrations", "_selected_action": [registration.pk, cancelled.pk]},
        follow=True,
    )

    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.state == State.CANCELLED and registration.cancelled_at is not None
    event = Event.objects.get(action="registration.cancel_reason", object_id=str(registration.pk))
    assert (event.actor, event.data["reason"]) == (administrator, "cancelled by staff")
    # A registration cancelled before is left as it was.
    assert Event.objects.filter(action="registration.cancel_reason", object_id=str(cancelled.pk)).count() == 1
    assert [str(m) for m in response.context["messages"]] == ["Inscriptions annulées."]


def test_registrations_are_not_added_nor_changed_in_the_admin(client, administrator, demo_candidates):
    chloe = demo_candidates["accepted"]
    registration = services.start_registration(chloe, user=user_for_candidate(chloe))
    client.force_login(administrator)

    assert client.get(reverse("admin:registration_registration_add")).status_code == 403
    page = client.get(reverse("admin:registration_registration_change", args=[registration.pk]))
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()  # every field read-only
