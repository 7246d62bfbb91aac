"""Migration 0002: the delivery log becomes the outbox. Every row gets a key; the rows that
`send_now` logged with the link masked or without their attachment are marked not kept in full,
so that they are never sent again from the masked body."""

import pytest

from tests.migrating import database_at, migrate

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_email_outbox")]


@pytest.fixture
def before_upgrade():
    yield from database_at(BEFORE)


@pytest.mark.django_db(transaction=True)
def test_the_log_becomes_the_outbox(before_upgrade):
    Email = before_upgrade.get_model("notifications", "Email")
    link = Email.objects.create(kind="login_link", to="a@example.org", subject="s", body="[lien masqué]")
    failed = Email.objects.create(
        kind="request_accepted", to="b@example.org", subject="s", body="b", status="failed", error="refused"
    )

    Email = migrate(AFTER).get_model("notifications", "Email")

    link, failed = Email.objects.get(pk=link.pk), Email.objects.get(pk=failed.pk)
    assert (link.key, link.kept_in_full) == (f"legacy:{link.pk}", False)
    assert (failed.key, failed.kept_in_full, failed.last_error) == (f"legacy:{failed.pk}", True, "refused")
    assert failed.status == "failed" and failed.next_attempt_at is None
