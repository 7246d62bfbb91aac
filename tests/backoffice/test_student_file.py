"""The student's file (`student_file.py`): everything about one student in one timeline
(`chloe_file`, in conftest.py), and the ENT account's synchronisation when a directory is on. The
page, for staff of their components only: test_views.py."""

from django.urls import reverse

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.backoffice.student_file import build_student_file
from matricule.directory.models import DirectoryAccount
from tests.directory.conftest import directory, register, slapd  # noqa: F401 (a real directory)


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


def test_the_student_file_shows_the_ent_account(directory, register, iut_agent, staff_client):  # noqa: F811
    registration = register()
    account = DirectoryAccount.objects.get(student=registration.student)
    assert build_student_file(registration.student, iut_agent).directory == account
    page = staff_client(iut_agent).get(reverse("backoffice:student", args=[registration.student_id]))
    assert page.status_code == 200
    assert account.uid in page.content.decode()

    DirectoryAccount.objects.filter(pk=account.pk).update(
        state="failed", attempts=2, last_error="LDAPSocketOpenError: refused"
    )
    html = (
        staff_client(iut_agent)
        .get(reverse("backoffice:student", args=[registration.student_id]))
        .content.decode()
    )
    assert "LDAPSocketOpenError: refused" in html


def test_no_ent_account_no_section(register, iut_agent, staff_client, settings):  # noqa: F811
    settings.MATRICULE_LDAP_URL = ""
    registration = register()
    assert build_student_file(registration.student, iut_agent).directory is None
    html = (
        staff_client(iut_agent)
        .get(reverse("backoffice:student", args=[registration.student_id]))
        .content.decode()
    )
    assert "ENT" not in html
