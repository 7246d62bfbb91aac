"""Reminders (reminders.py): what each person is told, one per person and day whoever sends it
and however often, the audit event on the file, and the automatic reminders before a window
closes."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.formats import date_format

from matricule.audit.models import Event
from matricule.backoffice import event_labels, reminders
from matricule.backoffice.models import Reminder
from matricule.backoffice.student_file import build_student_file
from matricule.backoffice.tasks import send_reminders
from matricule.documents.models import DocumentType, RefusalReason, Submission
from matricule.institution.models import Population, RegistrationWindow
from matricule.notifications.models import Email
from tests.backoffice.conftest import make_registrations


def registration_with(
    state, year, *, email="etu@example.org", documents=(), stage="GEII-1", last_name="RAPPEL"
):
    """A registration in `state` whose student has an email address, with `documents`
    ((code, status) pairs)."""
    registration = make_registrations(stage, 1, state, year, last_name=last_name, first_names="Alex")[0]
    get_user_model().objects.filter(pk=registration.student.user_id).update(email=email)
    for code, status in documents:
        Submission.objects.create(
            registration=registration,
            document_type=DocumentType.objects.get(code=code),
            status=status,
            reason=RefusalReason.objects.order_by("order").first() if status == "refused" else None,
            comment="Le verso manque." if status == "refused" else "",
        )
    return reminders._registrations(type(registration).objects.filter(pk=registration.pk)).get()


def main_window(year):
    return RegistrationWindow.objects.get(academic_year=year, population=Population.FIRST_MAIN)


def test_a_candidate_not_started_is_told_to_start_with_the_deadline_and_the_page(
    demo, demo_candidates, settings
):
    chloe = demo_candidates["accepted"]
    assert reminders.send_one(candidate=chloe) == reminders.SENT
    email = Email.objects.get(kind="reminder")
    assert email.to == chloe.email
    english = email.body.split("----------------------------------------")[1]
    assert "has not been started" in english
    with translation.override("en"):
        closes = date_format(timezone.localtime(main_window(demo.current_year).closes_at), "j F Y")
    assert f"Deadline: {closes} at 23:59" in english
    assert english.endswith(f"{settings.SITE_URL}/")  # the public registration page
    reminder = Reminder.objects.get()
    assert (reminder.candidate, reminder.student, reminder.kind) == (chloe, None, "manual")
    event = Event.objects.get(action="backoffice.reminder.sent")
    assert (event.object_type, event.object_id) == ("admissions.candidate", str(chloe.pk))
    assert event.data["missing"] == ["not_started"]


def test_what_is_missing_for_a_registration(demo, settings):
    year = demo.current_year
    draft = registration_with("draft", year, last_name="DRAFT")
    awaiting = registration_with("awaiting_payment", year, last_name="AWAITING")
    registered = registration_with(
        "registered", year, documents=[("identity", "refused"), ("photo", "missing"), ("cvec", "validated")]
    )
    assert reminders.missing_for(draft) == [{"code": "form"}]
    assert reminders.missing_for(awaiting) == [{"code": "payment"}]
    [documents] = reminders.missing_for(registered)
    assert [(d["name_en"], d["status"]) for d in documents["documents"]] == [
        ("Identity card or passport", "refused"),
        (DocumentType.objects.get(code="photo").name_en, "missing"),
    ]
    assert reminders.send_one(registration=registered) == reminders.SENT
    body = Email.objects.get(kind="reminder").body
    french, english = body.split("----------------------------------------")
    reason = RefusalReason.objects.order_by("order").first()
    assert "Identity card or passport: refused" in english and reason.label_en in english
    assert "Pièce d'identité" in french and reason.label_fr in french and "Le verso manque." in body
    assert f"{settings.SITE_URL}/etudiant/" in french  # the student's home
    assert "Deadline" not in english  # a first registration without admission: the desk's


def test_a_re_registration_has_the_re_registration_windows_deadline(demo):
    registration = registration_with("draft", demo.current_year)
    type(registration).objects.filter(pk=registration.pk).update(kind="reregistration")
    registration.refresh_from_db()
    window = RegistrationWindow.objects.get(
        academic_year=demo.current_year, population=Population.REREGISTRATION
    )
    assert reminders.deadline_for(registration=registration) == window.closes_at


def test_one_reminder_per_person_and_day(demo, demo_candidates):
    chloe = demo_candidates["accepted"]
    assert reminders.send_one(candidate=chloe) == reminders.SENT
    assert reminders.send_one(candidate=chloe, kind="automatic") == reminders.ALREADY
    assert Email.objects.filter(kind="reminder").count() == 1
    assert Event.objects.filter(action="backoffice.reminder.sent").count() == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        assert reminders.send_one(candidate=chloe) == reminders.SENT
    assert Email.objects.filter(kind="reminder").count() == 2


def test_nobody_without_an_address_or_with_nothing_missing(demo):
    year = demo.current_year
    assert reminders.send_one(registration=registration_with("draft", year, email="")) == reminders.NO_EMAIL
    done = registration_with("registered", year, documents=[("identity", "validated")])
    assert reminders.send_one(registration=done) == reminders.NOTHING_MISSING
    cancelled = registration_with("cancelled", year)
    assert reminders.send_one(registration=cancelled) == reminders.NOTHING_MISSING
    assert not Reminder.objects.exists() and not Email.objects.filter(kind="reminder").exists()


def test_the_task_run_twice_sends_once(demo, demo_candidates, immediate_tasks, iut_agent):
    year = demo.current_year
    draft = registration_with("draft", year)
    ids = ([draft.pk], [demo_candidates["accepted"].pk, demo_candidates["complementary"].pk])
    first = send_reminders.enqueue(*ids, iut_agent.pk)
    again = send_reminders.enqueue(*ids, iut_agent.pk)
    assert first.return_value["sent"] == 3 and again.return_value == {
        "sent": 0,
        "already": 3,
        "no_email": 0,
        "nothing_missing": 0,
    }
    assert Email.objects.filter(kind="reminder").count() == 3
    assert set(Reminder.objects.values_list("sender", flat=True)) == {iut_agent.pk}
    # One audit event per person, by the agent who sent the list.
    events = Event.objects.filter(action="backoffice.reminder.sent")
    assert events.count() == 3 and set(events.values_list("actor", flat=True)) == {iut_agent.pk}


def test_the_reminder_shows_in_the_students_file(demo, iut_agent):
    registration = registration_with("draft", demo.current_year)
    reminders.send_one(registration=registration, sender=iut_agent)
    file = build_student_file(registration.student, iut_agent)
    [event] = [e for e in file.events if e.action == "backoffice.reminder.sent"]
    assert event.actor == iut_agent and event.data["missing"] == ["form"]
    with translation.override("en"):
        assert event_labels.summary(event.action, event.data) == "Reminder emailed: form not finished"


def test_a_candidate_who_started_since_the_list_is_not_reminded_as_not_started(demo, demo_candidates):
    chloe = demo_candidates["accepted"]
    draft = registration_with("draft", demo.current_year)
    type(draft).objects.filter(pk=draft.pk).update(candidate=chloe)
    assert reminders.send_list([], [chloe.pk]) == {
        "sent": 0,
        "already": 0,
        "no_email": 0,
        "nothing_missing": 1,
    }


# --- Automatic reminders ----------------------------------------------------------------------------


@pytest.fixture
def automatic_people(demo, demo_candidates):
    """Besides the demo's admitted candidates: a registered student whose identity document was
    refused, one whose file is complete, and a draft of a first registration by Chloé."""
    year = demo.current_year
    return {
        "refused": registration_with(
            "registered", year, documents=[("identity", "refused")], last_name="REFUSED"
        ),
        "complete": registration_with(
            "registered", year, documents=[("identity", "validated")], last_name="DONE"
        ),
    }


def days_before_close(year, days):
    closes = timezone.localtime(main_window(year).closes_at)
    return closes.replace(hour=9, minute=0) - datetime.timedelta(days=days)


def reminded():
    return {
        (r.candidate.last_name if r.candidate_id else r.student.last_name)
        for r in Reminder.objects.select_related("candidate", "student")
    }


@pytest.mark.parametrize("days", [7, 2])
def test_automatic_reminders_days_before_the_window_closes(demo, demo_candidates, automatic_people, days):
    with time_machine.travel(days_before_close(demo.current_year, days), tick=False):
        sent = reminders.send_automatic()
        # Chloé (GEII), Léa (Informatique) and Thanh (no stage yet) have not started; Inès is
        # admitted in the complementary phase (second period), Nadia registers offline.
        assert reminded() == {"LEFÈVRE", "MARTIN", "NGUYEN", "REFUSED"}
        assert sent == 4
        assert set(Reminder.objects.values_list("kind", flat=True)) == {"automatic"}
        # Run again the same day: nothing more.
        assert reminders.send_automatic() == 0
    assert Email.objects.filter(kind="reminder").count() == 4
    body = Email.objects.filter(to=demo_candidates["accepted"].email).get().body
    assert "23:59" in body


@pytest.mark.parametrize("days", [8, 6, 3, 1, 0])
def test_no_automatic_reminder_on_other_days(demo, automatic_people, days):
    with time_machine.travel(days_before_close(demo.current_year, days), tick=False):
        assert reminders.send_automatic() == 0
    assert not Reminder.objects.exists()


def test_the_days_are_a_setting(demo, automatic_people, settings):
    settings.MATRICULE_REMINDER_DAYS_BEFORE_CLOSE = [3]
    with time_machine.travel(days_before_close(demo.current_year, 3), tick=False):
        assert reminders.send_automatic() == 4


def test_the_job_is_registered_daily():
    from matricule.scheduling.registry import JOBS

    job = JOBS["backoffice.send_automatic_reminders"]
    assert job.every == datetime.timedelta(days=1) and job.function is reminders.send_automatic
