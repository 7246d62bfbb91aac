"""Webhooks in the administration: subscriptions made there (events as checkboxes, the secret
shown), the read-only delivery log with its filters, replay, enabling again; nothing for staff
without the rights."""

import pytest
from django.urls import reverse
from django.utils.translation import ngettext

from matricule.audit.models import Event
from matricule.webhooks import delivery as sender
from matricule.webhooks import disabling
from matricule.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db
State = Delivery.State


@pytest.fixture
def admin_client(client, administrator):
    """The demo's administrator, signed in."""
    client.force_login(administrator)
    return client


def test_a_subscription_is_made_with_events_as_checkboxes_and_its_secret_shown(admin_client, api_client):
    client = api_client("ENT")
    add = reverse("admin:webhooks_subscription_add")
    page = admin_client.get(add)
    assert page.status_code == 200
    assert 'type="checkbox" name="events" value="registration.registered"' in page.content.decode()
    response = admin_client.post(
        add,
        {
            "client": client.pk,
            "url": "https://ent.univ.example/hooks",
            "events": ["registration.registered", "student.updated"],
        },
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.events == ["registration.registered", "student.updated"]
    assert subscription.created_by.username == "admin" and subscription.is_active
    change = admin_client.get(reverse("admin:webhooks_subscription_change", args=[subscription.pk]))
    assert subscription.secret in change.content.decode()
    assert Event.objects.get(action="webhooks.subscription.created").object_id == str(subscription.pk)


def test_plain_http_elsewhere_and_no_event_are_refused(admin_client, api_client):
    client = api_client("ENT")
    response = admin_client.post(
        reverse("admin:webhooks_subscription_add"),
        {"client": client.pk, "url": "http://ent.univ.example/hooks"},
    )
    assert response.status_code == 200 and not Subscription.objects.exists()
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"url", "events"}


def test_a_disabled_subscription_is_enabled_again_from_the_list(admin_client, subscribe):
    subscription = subscribe(["student.updated"])
    disabling.disable(subscription, reason="down")
    admin_client.post(
        reverse("admin:webhooks_subscription_changelist"),
        {"action": "enable_again", "_selected_action": [subscription.pk]},
    )
    subscription.refresh_from_db()
    assert subscription.is_active


def test_the_delivery_log_is_read_only_and_filtered(admin_client, subscribe, emit, receiver):
    subscribe(["student.updated"])
    delivered, waiting = emit(2)
    sender.deliver(delivered.pk)
    listing = admin_client.get(reverse("admin:webhooks_delivery_changelist"), {"state__exact": "delivered"})
    assert list(listing.context["cl"].result_list) == [delivered]
    for column in ("state", "attempts", "last_status_code", "event_type", "subscription"):
        assert column in listing.context["cl"].list_display
    actions = [name for name, _label in listing.context["action_form"].fields["action"].choices if name]
    assert actions == ["replay"]
    assert admin_client.get(reverse("admin:webhooks_delivery_add")).status_code == 403
    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[delivered.pk]))
    assert page.status_code == 200 and set(page.context["adminform"].form.fields) == set()
    text = page.content.decode()
    assert delivered.webhook_id in text and "&quot;changed&quot;" in text  # the payload, and the attempts
    assert "200" in text


def test_replay_from_the_admin(
    admin_client, subscribe, emit, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    subscribe(["student.updated"])
    (delivery,) = emit()
    sender.deliver(delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webhooks_delivery_changelist"),
            {"action": "replay", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [delivery.webhook_id] * 2
    messages = [str(m) for m in response.wsgi_request._messages]
    # In French once the catalogue has it (the message is ngettext's, as the page shows it).
    assert messages == [
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", 1) % {"count": 1}
    ]


def test_staff_without_the_rights_see_nothing(client, iut_agent, django_user_model, subscribe, staff_client):
    subscribe(["student.updated"])
    plain_staff = django_user_model.objects.create_user("staff.sans.droits", password="x", is_staff=True)
    browser = staff_client(plain_staff)
    for name in ("webhooks_subscription_changelist", "webhooks_delivery_changelist"):
        assert browser.get(reverse(f"admin:{name}")).status_code == 403
    index = browser.get(reverse("admin:index"))
    assert "webhook" not in index.content.decode().lower()
    agent = staff_client(iut_agent)
    assert agent.get(reverse("admin:webhooks_subscription_changelist")).status_code == 302  # to sign in
