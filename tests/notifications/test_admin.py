"""The delivery log in the administration: read, never written by hand."""

from django.urls import reverse

from matricule.notifications.models import Email
from matricule.notifications.services import queue_email


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
