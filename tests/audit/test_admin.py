"""The audit trail in the administration: read, never added to, changed or deleted."""

from django.urls import reverse

from matricule.audit.models import Event


def test_events_are_listed_and_read_but_never_written(admin_client):
    event = Event.objects.create(action="accounts.login", object_type="accounts.user", object_id="7")
    listing = admin_client.get(reverse("admin:audit_event_changelist"), {"q": "accounts.login"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [event]
    assert admin_client.get(reverse("admin:audit_event_add")).status_code == 403

    change = reverse("admin:audit_event_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert admin_client.post(change, {"action": "accounts.logout"}).status_code == 403
    delete = reverse("admin:audit_event_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = admin_client.post(
        reverse("admin:audit_event_changelist"), {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert bulk.status_code in (200, 302)
    assert Event.objects.get(pk=event.pk).action == "accounts.login"
