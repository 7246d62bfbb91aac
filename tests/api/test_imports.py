"""Admitted candidates and last year's results sent as JSON, through the admissions importers:
issues by the record's position, idempotent, records outside the client's components refused,
each import audited with the client."""

from matricule.admissions.models import Candidate, ImportRun, Result
from matricule.api import imports
from matricule.audit.models import Event

from .conftest import candidate

PAYLOAD = {
    "candidates": [
        candidate("P9000001"),
        candidate(9000002, ine="1234567890A", boursier="O"),
        candidate("9000003", date_naissance="31/02/2007", email="not an email"),
        "not an object",
        candidate("9000004", nom=["a", "list"]),
    ]
}


def test_candidates_are_imported_with_issues_by_record(as_chartres, chartres_client, year):
    response = as_chartres("post", "/api/v1/candidates/import/", json=PAYLOAD)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["received"] == 5
    assert (answer["created"], answer["updated"], answer["unchanged"], answer["rejected"]) == (2, 0, 0, 3)
    assert answer["status"] == "done"
    errors = {
        (issue["item"], issue["column"], issue["code"])
        for issue in answer["issues"]
        if issue["severity"] == "error"
    }
    assert errors == {
        (3, "date_naissance", "date_impossible"),
        (3, "email", "email"),
        (4, "", "not_a_record"),
        (5, "nom", "not_text"),
    }
    assert all(issue["message"] for issue in answer["issues"])
    lea = Candidate.objects.get(academic_year=year, parcoursup_number="9000002")
    assert lea.ine == "1234567890A"
    assert lea.stage.code == "GEII-1"
    assert lea.grant_holder_hint is True


def test_posting_the_same_candidates_twice_creates_nothing_the_second_time(as_chartres):
    as_chartres("post", "/api/v1/candidates/import/", json=PAYLOAD)
    count = Candidate.objects.count()
    again = as_chartres("post", "/api/v1/candidates/import/", json=PAYLOAD).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert Candidate.objects.count() == count
    changed = {"candidates": [candidate("9000001", nom="Martin-Durand")]}
    assert as_chartres("post", "/api/v1/candidates/import/", json=changed).json()["updated"] == 1


def test_candidates_of_another_component_are_refused(as_chartres):
    payload = {"candidates": [candidate("9000010", code_formation_psup="INFO-1"), candidate("9000011")]}
    answer = as_chartres("post", "/api/v1/candidates/import/", json=payload).json()
    assert answer["created"] == 1
    assert [(i["item"], i["code"]) for i in answer["issues"] if i["severity"] == "error"] == [
        (1, "out_of_scope")
    ]
    assert not Candidate.objects.filter(parcoursup_number="9000010").exists()


def test_imports_are_audited_with_the_client(as_chartres, chartres_client):
    client, _token = chartres_client
    answer = as_chartres("post", "/api/v1/candidates/import/", json=PAYLOAD).json()
    run = ImportRun.objects.get(pk=answer["run"])
    assert run.user == client.user
    event = Event.objects.get(action="api.candidates_imported")
    assert event.actor == client.user
    assert event.data["api_client"] == client.pk
    assert event.object_id == str(run.pk)
    assert Event.objects.get(action="admissions.import.finished", object_id=str(run.pk)).actor == client.user


RESULTS = {
    "academic_year": None,
    "results": [
        {"numero_etudiant": "25000001", "annee": "2024-2025", "code_etape": "GEII-1", "resultat": "ADM"},
        {"numero_etudiant": "25000002", "annee": "2024-2025", "code_etape": "geii-1", "resultat": "aj"},
        {"numero_etudiant": "25000003", "annee": "2024", "code_etape": "GEII-1", "resultat": "XYZ"},
        {"numero_etudiant": "25000004", "annee": "2024-2025", "code_etape": "INFO-1", "resultat": "ADM"},
        {},
        {"numero_etudiant": "25000005", "annee": "2024-2025", "code_etape": "GEII-1", "resultat": "ADM\nx"},
    ],
}


def test_results_are_imported_idempotently_with_issues_by_record(as_chartres, year):
    payload = {**RESULTS, "academic_year": year.code}
    before = Result.objects.count()
    answer = as_chartres("post", "/api/v1/results/import/", json=payload).json()
    assert (answer["created"], answer["rejected"]) == (2, 4), answer
    errors = {(issue["item"], issue["code"]) for issue in answer["issues"] if issue["severity"] == "error"}
    assert errors == {(3, "year_code"), (3, "choice"), (4, "out_of_scope"), (5, "required"), (6, "choice")}
    assert Result.objects.get(student_number="25000002").result == "AJ"
    again = as_chartres("post", "/api/v1/results/import/", json=payload).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert Result.objects.count() == before + 2


def test_json_values_are_read_as_the_text_of_a_csv_cell():
    assert imports._text(None) == ""
    assert imports._text(9000002) == "9000002"
    assert imports._text("  Martin ") == "Martin"
    for not_text in (True, ["a"], {"a": 1}, "a\x00b"):
        assert imports._text(not_text) is None
