"""The OpenAPI schema passes drf-spectacular's validation with no warning and lists every
endpoint; the schema page answers (the docs page rendered from it: test_views.py)."""

import yaml
from django.core.management import call_command

EXPECTED = {
    "/api/v1/registrations/": {"get"},
    "/api/v1/registrations/{id}/": {"get"},
    "/api/v1/students/": {"get"},
    "/api/v1/students/{id}/": {"get"},
    "/api/v1/payments/": {"get"},
    "/api/v1/payments/{id}/": {"get"},
    "/api/v1/documents/": {"get"},
    "/api/v1/documents/{id}/": {"get"},
    "/api/v1/documents/{id}/file/": {"get"},
    "/api/v1/documents/{id}/decision/": {"post"},
    "/api/v1/issued-documents/": {"get"},
    "/api/v1/issued-documents/{id}/": {"get"},
    "/api/v1/requests/": {"get"},
    "/api/v1/requests/{id}/": {"get"},
    "/api/v1/candidates/import/": {"post"},
    "/api/v1/results/import/": {"post"},
}


def test_schema_validates_without_warnings_and_lists_every_endpoint(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    assert {p: set(methods) - {"parameters"} for p, methods in schema["paths"].items()} == EXPECTED
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    listed = schema["paths"]["/api/v1/registrations/"]["get"]
    assert {"year", "stage", "component", "state", "updated_since", "cursor"} <= {
        p["name"] for p in listed["parameters"]
    }


def test_schema_page(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/registrations/" in response.json()["paths"]
