"""The admin: a client made with its scopes and components, its token shown once on the page
that follows and nowhere after; revoked and given a new token by actions."""

import re

import pytest

from matricule.api.models import ApiClient, hash_token
from matricule.audit.models import Event
from matricule.institution.models import Component


@pytest.fixture
def admin_client(staff_client, administrator):
    return staff_client(administrator)


def add(admin_client, **fields):
    chartres = Component.objects.get(code="iut-chartres")
    data = {
        "name": "ENT",
        "owner_email": "ent@example.org",
        "scopes": ["registrations:read", "documents:write"],
        "components": [chartres.pk],
        **fields,
    }
    return admin_client.post("/admin/api/apiclient/add/", data)


def test_the_token_is_shown_once_and_only_its_hash_kept(admin_client, administrator):
    response = add(admin_client)
    assert response.status_code == 200
    token = re.search(r'value="(mtr_[^"]+)"', response.content.decode())[1]
    assert "no-store" in response["Cache-Control"]
    client = ApiClient.objects.get(name="ENT")
    assert client.token_hash == hash_token(token)
    assert client.scopes == ["registrations:read", "documents:write"]
    assert client.created_by == administrator
    assert client.user.username == "api:ENT"
    assert Event.objects.filter(action="api.client_created", actor=administrator).exists()
    # The token works, and appears on no later page.
    assert admin_client.get("/api/v1/registrations/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert token not in admin_client.get(f"/admin/api/apiclient/{client.pk}/change/").content.decode()
    assert token not in admin_client.get("/admin/api/apiclient/").content.decode()


def test_unknown_scopes_and_no_component_are_refused(admin_client):
    assert add(admin_client, scopes=["everything:write"]).status_code == 200
    assert not ApiClient.objects.exists()
    add(admin_client, components=[])
    assert not ApiClient.objects.exists()
    add(admin_client, components=[], all_components="on")
    assert ApiClient.objects.get().all_components


def test_revoke_action(admin_client):
    add(admin_client)
    client = ApiClient.objects.get()
    admin_client.post("/admin/api/apiclient/", {"action": "revoke", "_selected_action": [client.pk]})
    client.refresh_from_db()
    assert not client.is_active and client.revoked_at is not None
    assert Event.objects.filter(action="api.client_revoked").exists()


def test_replace_token_action(admin_client):
    response = add(admin_client)
    old = re.search(r'value="(mtr_[^"]+)"', response.content.decode())[1]
    client = ApiClient.objects.get()
    response = admin_client.post(
        "/admin/api/apiclient/", {"action": "replace_token", "_selected_action": [client.pk]}
    )
    new = re.search(r'value="(mtr_[^"]+)"', response.content.decode())[1]
    assert new != old
    assert admin_client.get("/api/v1/registrations/", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert admin_client.get("/api/v1/registrations/", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200
