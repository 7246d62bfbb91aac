"""The outbox in the administration: read, never written or deleted by hand; failed emails sent
again by staff."""

import datetime

import time_machine
from django.urls import reverse

from matricule.notifications.delivery import MAX_ATTEMPTS
from matricule.notifications.models import Email
from matricule.notifications.services import deliver_due, queue_email


def test_the_log_is_listed_and_read_but_not_added_to_or_edited(admin_client):
    email = queue_email(kind="test", to="chloe.lefevre@example.org", subject="Sujet", body="Corps")
    listing = admin_client.get(reverse("admin:notifications_email_changelist"), {"q": "chloe"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [email]
    assert admin_client.get(reverse("admin:notifications_email_add")).status_code == 403

    url = reverse("admin:notifications_email_change", args=[email.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == set()  # every field read-only
    admin_client.post(url, {"to": "someone.else@example.org", "status": "sent"})
    email.refresh_from_db()
    assert (email.to, email.status) == ("chloe.lefevre@example.org", Email.Status.QUEUED)


def test_the_list_shows_where_each_email_stands_and_filters_the_failed_ones(admin_client):
    sent = queue_email(kind="test", to="a@example.org", subject="Sujet", body="Corps")
    failed = queue_email(kind="test", to="b@example.org", subject="Sujet", body="Corps")
    Email.objects.filter(pk=sent.pk).update(status="sent")
    Email.objects.filter(pk=failed.pk).update(
        status="failed", attempts=6, last_error="ConnectionRefusedError: [Errno 111] Connection refused\nmore"
    )
    page = admin_client.get(reverse("admin:notifications_email_changelist"), {"status__exact": "failed"})
    assert list(page.context["cl"].result_list) == [failed]
    text = page.content.decode()
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in text and "more" not in text
    for column in ("status", "attempts", "next_attempt_at", "error_line"):
        assert column in page.context["cl"].list_display


def test_the_log_cannot_be_deleted(admin_client):
    email = queue_email(kind="test", to="a@example.org", subject="Sujet", body="Corps")
    assert admin_client.get(reverse("admin:notifications_email_delete", args=[email.pk])).status_code == 403
    listing = admin_client.get(reverse("admin:notifications_email_changelist"))
    actions = [name for name, _label in listing.context["action_form"].fields["action"].choices if name]
    assert actions == ["resend"]
    admin_client.post(
        reverse("admin:notifications_email_changelist"),
        {"action": "delete_selected", "_selected_action": [email.pk], "post": "yes"},
    )
    assert Email.objects.filter(pk=email.pk).exists()


def test_staff_send_again_an_email_failed_after_its_last_attempt(
    admin_client, mail_server, immediate_tasks, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.datetime(2026, 9, 1, 8, tzinfo=datetime.UTC), tick=False) as clock:
        failed = queue_email(kind="test", to="a@example.org", subject="Sujet", body="Corps")
        sent = queue_email(kind="test", to="b@example.org", subject="Sujet", body="Corps")
        Email.objects.filter(pk=sent.pk).update(status="sent")
        mail_server.script = ["down"] * MAX_ATTEMPTS  # the relay is down all night
        clock.shift(60)
        while deliver_due() == 0 and Email.objects.filter(status="retrying").exists():
            clock.move_to(Email.objects.get(pk=failed.pk).next_attempt_at)
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS)

        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("admin:notifications_email_changelist"),
                {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
                follow=True,
            )
    # One put back, one left as it was (in the language of the page).
    assert [message.level_tag for message in response.context["messages"]] == ["info", "warning"]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 1)
    assert [message.to for message in mail_server.accepted] == [["a@example.org"]]  # not the sent one
    # Audited (by the back office, which hears the signal: audit is notifications' sibling).
    from matricule.audit.models import Event

    event = Event.objects.get(action="notifications.email.resent")
    assert event.actor.is_superuser and event.data["kind"] == "test"


def test_only_staff_allowed_to_change_emails_may_send_them_again(client, django_user_model):
    from django.contrib.auth.models import Permission

    reader = django_user_model.objects.create(username="reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_email"))
    client.force_login(reader)
    listing = client.get(reverse("admin:notifications_email_changelist"))
    assert listing.status_code == 200
    assert "action_form" not in listing.context or listing.context["action_form"] is None
