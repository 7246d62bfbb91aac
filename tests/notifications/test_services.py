"""Emails written and queued: plain text, not HTML (what the registrar typed arrives as typed);
handed to the queue only once the transaction commits."""

from types import SimpleNamespace

import pytest

from matricule.notifications.services import queue_email, render_bilingual


def test_a_refusal_email_keeps_apostrophes_quotes_and_angle_brackets():
    submission = SimpleNamespace(
        document_type=SimpleNamespace(name="Attestation d'acquittement de la CVEC"),
        reason=SimpleNamespace(label="Document illisible"),
        comment="Merci d'envoyer l'attestation \"complète\" (pages 1 & 2) <recto-verso>.",
    )
    registration = SimpleNamespace(student=SimpleNamespace(student_number="26000001"))
    body = render_bilingual(
        "notifications/email/document_refused.txt",
        {
            "submission": submission,
            "first_name": "Chloé",
            "site_url": "https://inscription.example",
            "registration": registration,
        },
    )
    assert "Merci d'envoyer l'attestation \"complète\" (pages 1 & 2) <recto-verso>." in body
    assert "Attestation d'acquittement de la CVEC" in body
    assert "&#x27;" not in body and "&quot;" not in body and "&amp;" not in body and "&lt;" not in body
    assert "Bonjour Chloé" in body and "Hello Chloé" in body


@pytest.mark.django_db
def test_nothing_is_queued_when_the_transaction_rolls_back(
    database_queue, outbox, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_email(kind="test", to="a@example.org", subject="s", body="b")
    assert len(callbacks) == 1  # only runs on commit
    assert DBTaskResult.objects.count() == 0
