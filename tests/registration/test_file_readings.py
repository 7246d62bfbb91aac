"""Who read the student's file (`file_readings.py` and its page): components and days from the
audit trail, never the staff's names, and only the student's own."""

from matricule.audit.services import record
from matricule.registration.file_readings import file_readings
from tests.requests.conftest import paid  # noqa: F401


def test_readings_by_day_and_component_without_names(paid, iut_agent, client):  # noqa: F811
    student = paid.student
    component = paid.stage.programme.component
    record("backoffice.student_file.viewed", actor=iut_agent, obj=student, components=[component.pk])
    record("backoffice.student_file.viewed", actor=iut_agent, obj=student, components=[component.pk])
    submission = paid.submissions.first()
    record("documents.file_opened", actor=iut_agent, obj=submission, version=1, student=student.pk)
    # Someone else's file: not listed.
    record("backoffice.student_file.viewed", actor=iut_agent, obj=iut_agent, components=[component.pk])

    (reading,) = file_readings(student)
    assert reading.component == component.name and reading.count == 3 and reading.documents

    client.force_login(student.user)
    html = client.get("/etudiant/consultations/").content.decode()
    assert "Qui a consulté mon dossier" in html and component.name in html and "3 fois" in html
    assert iut_agent.get_username() not in html and (iut_agent.last_name or "—") not in html.split("<main")[1]
    assert 'href="/etudiant/consultations/"' in client.get("/etudiant/").content.decode()


def test_nobody_has_read_a_new_students_file(paid, client):  # noqa: F811
    client.force_login(paid.student.user)
    assert (
        "Personne à l'université n'a encore consulté"
        in client.get("/etudiant/consultations/").content.decode()
    )


def test_the_documents_opened_are_found_by_an_index_on_postgresql(db):
    from django.db import connection

    from matricule.audit.models import Event
    from matricule.registration.file_readings import ATTACHMENT_OPENED, DOCUMENT_OPENED

    if connection.vendor != "postgresql":
        return
    queryset = Event.objects.filter(action__in=[DOCUMENT_OPENED, ATTACHMENT_OPENED], data__student=42)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "audit_event_data_student" in plan
