"""The reminder email (services.send_reminder_email): what is missing, the deadline and the link,
in French then English, one outbox row per key."""

import datetime
import zoneinfo

import pytest

from matricule.notifications.models import Email
from matricule.notifications.services import send_reminder_email

pytestmark = pytest.mark.django_db

CONTEXT = {
    "first_name": "Chloé",
    "missing": [
        {"code": "payment"},
        {
            "code": "documents",
            "documents": [
                {
                    "name_fr": "Pièce d'identité",
                    "name_en": "Identity card",
                    "status": "refused",
                    "reason_fr": "Document illisible",
                    "reason_en": "Unreadable document",
                    "comment": "Le verso manque.",
                },
                {
                    "name_fr": "Photo",
                    "name_en": "",
                    "status": "missing",
                    "reason_fr": "",
                    "reason_en": "",
                    "comment": "",
                },
            ],
        },
    ],
    "deadline": datetime.datetime(2026, 7, 31, 23, 59, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
    "url": "https://inscription.example.org/etudiant/",
}


def test_the_email_says_what_is_missing_the_deadline_and_the_link():
    email = send_reminder_email(to="chloe@example.org", key="student:1:2026-07-24", context=CONTEXT)
    assert (email.kind, email.to) == ("reminder", "chloe@example.org")
    french, english = email.body.split("----------------------------------------")
    for part in (french, english):
        assert "Chloé" in part
        assert "https://inscription.example.org/etudiant/" in part
        assert "Le verso manque." in part
        assert "Photo" in part  # no English name: the French one
        assert "2026" in part and "23:59" in part
    assert "Pièce d'identité" in french and "Document illisible" in french
    assert "Identity card" in english and "Unreadable document" in english
    assert "Your registration at the university is not finished" in english
    assert "your registration fees are not paid yet" in english
    assert "31 July 2026" in english and "31 juillet 2026" in french


def test_without_a_deadline_there_is_no_deadline_line():
    email = send_reminder_email(
        to="x@example.org", key="candidate:2:2026-07-24", context={**CONTEXT, "deadline": None}
    )
    assert "Deadline" not in email.body


def test_one_email_per_key():
    first = send_reminder_email(to="chloe@example.org", key="student:1:2026-07-24", context=CONTEXT)
    again = send_reminder_email(to="chloe@example.org", key="student:1:2026-07-24", context=CONTEXT)
    assert first.pk == again.pk and Email.objects.filter(kind="reminder").count() == 1
