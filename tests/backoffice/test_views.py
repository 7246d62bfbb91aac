"""The back office's own pages (`views.py`): the dashboard, the search, the student's file and
the audit log: who may see them, what they show, what they cost. What they compute is tested with
its module (test_dashboard.py, test_search.py, test_student_file.py, test_audit_log.py)."""

from matricule.audit.services import record
from matricule.documents.models import DocumentType, Submission

from .conftest import make_registrations

# --- The dashboard ---------------------------------------------------------------------------


def test_the_page_renders_in_french(dataset, demo, iut_agent, staff_client):
    from matricule.backoffice.dashboard import refresh_snapshot

    refresh_snapshot(demo.current_year.pk)  # the summary, as the task queue stores it
    response = staff_client(iut_agent).get("/gestion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tableau de bord" in html
    assert "<svg" in html and 'role="img"' in html
    assert "url(#pattern-hatched)" in html  # the second series is told apart by its pattern
    assert "IUT de Chartres" in html
    assert "<table" in html and 'scope="col"' in html
    assert "Paiements à vérifier" in html
    # Admitted against registered, the money, and last year at the same date.
    assert "Admis (Parcoursup)" in html and "Inscrits / admis" in html and "40 %" in html
    assert "Encaissé" in html and "456\u00a0€" in html
    assert "Par rapport à l'an dernier" in html


def test_the_page_is_for_staff_only(demo, client, django_user_model):
    student = django_user_model.objects.create_user(username="not-staff")
    client.force_login(student)
    assert client.get("/gestion/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(demo, client):
    response = client.get("/gestion/")
    assert response.status_code == 302
    assert response["Location"].startswith("/gestion/connexion/")


# --- The search ------------------------------------------------------------------------------


def test_search_page_lists_and_links_results(chloe, iut_agent, staff_client):
    response = staff_client(iut_agent).get("/gestion/recherche/", {"q": "CHLOE"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/gestion/etudiant/{chloe.pk}/"' in html
    assert "LEFÈVRE Chloé" in html
    assert "1 étudiant trouvé" in html


def test_search_page_is_paginated(demo, iut_agent, staff_client):
    make_registrations("GEII-1", 30, "draft", demo.current_year, last_name="Durand")
    client = staff_client(iut_agent)
    first = client.get("/gestion/recherche/", {"q": "durand"}).content.decode()
    second = client.get("/gestion/recherche/", {"q": "durand", "page": 2}).content.decode()
    assert first.count("/gestion/etudiant/") == 25
    assert second.count("/gestion/etudiant/") == 5
    assert "page=2" in first


def test_search_page_says_when_too_short(demo, iut_agent, staff_client):
    response = staff_client(iut_agent).get("/gestion/recherche/", {"q": "x"})
    assert 'role="alert"' in response.content.decode()


def test_too_many_matches_are_capped(demo, iut_agent, staff_client, monkeypatch):
    from matricule.backoffice import search, views

    monkeypatch.setattr(search, "MAX_RESULTS", 10)
    monkeypatch.setattr(views, "MAX_RESULTS", 10)
    make_registrations("GEII-1", 12, "draft", demo.current_year, last_name="Durand")
    assert len(search.search_student_ids("durand", iut_agent)) == 11
    html = staff_client(iut_agent).get("/gestion/recherche/", {"q": "durand"}).content.decode()
    assert "Plus de 10 étudiants trouvés" in html
    assert html.count("/gestion/etudiant/") == 10


# --- The student's file ----------------------------------------------------------------------


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
    assert "payments.failed" in html and "documents.refused" in html  # the codes, in the details
    assert "registration.started" in html  # recorded by the registration services
    # Each event said in words, with its own label.
    assert "Paiement refusé" in html and "Inscription commencée" in html
    assert "Pièce refusée" in html
    assert chloe_file.academic_year.code in html


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


def test_requests_are_listed_with_their_events(chloe_file, iut_agent, staff_client):
    from matricule.requests.models import Request

    item = Request.objects.create(student=chloe_file.student, registration=chloe_file, kind="address_change")
    record("requests.filed", obj=item)
    html = staff_client(iut_agent).get(f"/gestion/etudiant/{chloe_file.student.pk}/").content.decode()
    assert f'href="/gestion/demandes/{item.pk}/"' in html
    assert "requests.filed" in html


# --- The audit log ---------------------------------------------------------------------------


def test_only_administrators_and_auditors(events, administrator, auditor, iut_agent, staff_client):
    assert staff_client(iut_agent).get("/gestion/audit/").status_code == 403
    assert staff_client(auditor).get("/gestion/audit/").status_code == 200
    assert staff_client(administrator).get("/gestion/audit/").status_code == 200


def test_page_shows_actor_action_object_data_address(events, administrator, staff_client):
    html = staff_client(administrator).get("/gestion/audit/", {"action": "registration."}).content.decode()
    table = html[html.index('<table class="events">') :]
    assert "registration.registered" in table and "payments.refunded" not in table
    assert "Inscription confirmée" in table  # said in words, the code in the details
    assert "agent.chartres" in html
    assert "registration.registration 119" in html
    assert "192.0.2.7" in html
    assert "<dt>n</dt><dd><code>119</code></dd>" in html
    assert "before=" in html and "action=registration." in html


def test_invalid_dates_are_reported(events, administrator, staff_client):
    response = staff_client(administrator).get(
        "/gestion/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "registration.registration 119" not in html  # no events listed


def test_page_costs_a_few_queries(events, administrator, staff_client, django_assert_max_num_queries):
    client = staff_client(administrator)
    with django_assert_max_num_queries(10):
        client.get("/gestion/audit/")


def test_reading_a_students_file_is_kept_with_the_readers_components(chloe_file, iut_agent, staff_client):
    from matricule.audit.models import Event

    staff_client(iut_agent).get(f"/gestion/etudiant/{chloe_file.student_id}/")
    event = Event.objects.get(action="backoffice.student_file.viewed")
    assert event.actor == iut_agent and event.object_id == str(chloe_file.student_id)
    assert event.data["components"] == [chloe_file.stage.programme.component_id]
    # An access log, not the file's history: the next visit does not list it.
    again = staff_client(iut_agent).get(f"/gestion/etudiant/{chloe_file.student_id}/").content.decode()
    assert "backoffice.student_file.viewed" not in again.split('<table class="events">')[1]
