"""The student's file: everything about one student, only for staff of their components."""

import pytest

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.backoffice.student_file import build_student_file
from matricule.documents.models import DocumentType, RefusalReason, Submission
from matricule.payments.models import Payment
from tests.payments.conftest import submitted_registration

from .conftest import make_registrations


@pytest.fixture
def chloe_file(demo, demo_candidates, iut_agent):
    """Chloé, submitted and awaiting payment, with a failed then a pending card payment and two
    documents (one refused with a reason), and an event recorded about each."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    failed = Payment.objects.create(
        registration=registration,
        reference="MATFAILED0001",
        gateway="simulator",
        amount_cents=registration.fee_total_cents or 0,
        status="failed",
        fee_key=f"registration-{registration.pk}",
    )
    record("payments.failed", obj=failed)
    Payment.objects.create(
        registration=registration,
        reference="MATPENDING0002",
        gateway="simulator",
        amount_cents=registration.fee_total_cents or 0,
        status="pending",
        fee_key=f"registration-{registration.pk}",
    )
    reason = RefusalReason.objects.create(label_fr="Document illisible", label_en="Unreadable document")
    refused = Submission.objects.create(
        registration=registration,
        document_type=DocumentType.objects.get(code="identity"),
        status="refused",
        reason=reason,
        comment="Photo floue",
        reviewed_by=iut_agent,
    )
    record("documents.refused", actor=iut_agent, obj=refused)
    Submission.objects.create(
        registration=registration, document_type=DocumentType.objects.get(code="photo"), status="submitted"
    )
    return registration


def test_the_file_gathers_everything(chloe_file, iut_agent, staff_client):
    student = chloe_file.student
    response = staff_client(iut_agent).get(f"/gestion/etudiant/{student.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "LEFÈVRE" in html and "Chloé" in html
    assert "0494004062M" in html  # the INE of the registration
    assert "MATFAILED0001" in html and "MATPENDING0002" in html
    assert "Document illisible" in html and "Photo floue" in html
    assert f'href="/gestion/pieces/{chloe_file.pk}/"' in html  # the review screen
    assert "payments.failed" in html and "documents.refused" in html
    assert "registration.started" in html  # recorded by the registration services
    assert chloe_file.academic_year.code in html


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


def test_bounded_queries(chloe_file, iut_agent, staff_client, django_assert_max_num_queries):
    client = staff_client(iut_agent)
    with django_assert_max_num_queries(20):
        assert client.get(f"/gestion/etudiant/{chloe_file.student.pk}/").status_code == 200


def test_agent_of_another_component_gets_404(chloe_file, other_agent, staff_client):
    response = staff_client(other_agent).get(f"/gestion/etudiant/{chloe_file.student.pk}/")
    assert response.status_code == 404


def test_administrator_and_auditor_may_read(chloe_file, administrator, auditor, staff_client):
    pk = chloe_file.student.pk
    assert staff_client(administrator).get(f"/gestion/etudiant/{pk}/").status_code == 200
    assert staff_client(auditor).get(f"/gestion/etudiant/{pk}/").status_code == 200


def test_unknown_student_is_404(demo, administrator, staff_client):
    assert staff_client(administrator).get("/gestion/etudiant/999999/").status_code == 404


def test_registration_in_another_component_is_shown_without_review_link(
    chloe_file, demo, other_agent, staff_client
):
    """Chloé also registered in Orléans: the Orléans agent sees her file, and only their
    registration links to the review screen."""
    [orleans] = make_registrations("INFO-1", 1, "submitted", demo.current_year)
    orleans.student = chloe_file.student
    orleans.save()
    Submission.objects.create(
        registration=orleans, document_type=DocumentType.objects.get(code="photo"), status="submitted"
    )
    html = staff_client(other_agent).get(f"/gestion/etudiant/{chloe_file.student.pk}/").content.decode()
    assert f'href="/gestion/pieces/{orleans.pk}/"' in html
    assert f'href="/gestion/pieces/{chloe_file.pk}/"' not in html


def test_events_of_the_student_account_are_in_the_timeline(chloe_file, iut_agent):
    user = chloe_file.student.user
    record("accounts.account.activated", actor=user, obj=user)
    file = build_student_file(chloe_file.student, iut_agent)
    assert any(e.action == "accounts.account.activated" and e.actor == user for e in file.events)
    assert Event.objects.filter(action="accounts.account.activated").count() == 1


def test_requests_are_listed_with_their_events(chloe_file, iut_agent, staff_client):
    from matricule.requests.models import Request

    item = Request.objects.create(student=chloe_file.student, registration=chloe_file, kind="address_change")
    record("requests.filed", obj=item)
    html = staff_client(iut_agent).get(f"/gestion/etudiant/{chloe_file.student.pk}/").content.decode()
    assert f'href="/gestion/demandes/{item.pk}/"' in html
    assert "requests.filed" in html
