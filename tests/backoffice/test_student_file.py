"""The student's file (`student_file.py`): everything about one student in one timeline
(`chloe_file`, in conftest.py). The page, for staff of their components only: test_views.py."""

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.backoffice.student_file import build_student_file


def test_the_timeline_is_one_query_about_every_object(chloe_file, iut_agent, django_user_model):
    record("payments.unrelated", obj=django_user_model.objects.create(username="someone-else"))
    file = build_student_file(chloe_file.student, iut_agent)
    actions = [event.action for event in file.events]
    assert "payments.failed" in actions and "documents.refused" in actions
    assert "payments.unrelated" not in actions
    times = [event.created_at for event in file.events]
    assert times == sorted(times, reverse=True)
    [view] = file.registrations
    assert [p.reference for p in view.payments] == ["MATFAILED0001", "MATPENDING0002"]
    assert view.paid_cents == 0
    assert view.in_scope


def test_events_of_the_student_account_are_in_the_timeline(chloe_file, iut_agent):
    user = chloe_file.student.user
    record("accounts.account.activated", actor=user, obj=user)
    file = build_student_file(chloe_file.student, iut_agent)
    assert any(e.action == "accounts.account.activated" and e.actor == user for e in file.events)
    assert Event.objects.filter(action="accounts.account.activated").count() == 1
