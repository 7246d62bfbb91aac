"""The bearer token: 401 without one, or with a malformed, unknown, revoked or replaced one
(with `WWW-Authenticate: Bearer`), on every endpoint; the client's last use recorded at most
once a minute."""

import pytest
from django.utils import timezone

from matricule.api.models import ApiClient

from .endpoints import NAMES, endpoint


@pytest.mark.parametrize("name", NAMES)
def test_no_token_is_401(api, chartres, name):
    _name, method, _resource, _access, url, body = endpoint(name, chartres)
    response = api(None)(method, url, json=body)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("name", NAMES)
def test_unknown_token_is_401(api, chartres, chartres_client, name):
    _name, method, _resource, _access, url, body = endpoint(name, chartres)
    assert api("mtr_not-a-token")(method, url, json=body).status_code == 401


@pytest.mark.parametrize("name", NAMES)
def test_revoked_token_is_401(api, chartres, chartres_client, name):
    client, token = chartres_client
    client.revoke()
    _name, method, _resource, _access, url, body = endpoint(name, chartres)
    assert api(token)(method, url, json=body).status_code == 401


def test_a_replaced_token_is_401_and_the_new_one_works(api, chartres_client):
    client, old = chartres_client
    new = client.new_token()
    client.save()
    assert api(old)("get", "/api/v1/registrations/").status_code == 401
    assert api(new)("get", "/api/v1/registrations/").status_code == 200


@pytest.mark.parametrize(
    "header", ["Token abc", "Bearer", "Bearer a b", "Bearer " + "x" * 200, "Basic dXNlcjpwYXNz"]
)
def test_malformed_authorization_is_401(client, chartres_client, header):
    assert client.get("/api/v1/registrations/", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_token_that_is_not_ascii_is_401(client, chartres_client):
    assert client.get("/api/v1/registrations/", HTTP_AUTHORIZATION="Bearer mtr_é").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(as_chartres, chartres_client):
    client, _token = chartres_client
    assert client.last_used_at is None
    as_chartres("get", "/api/v1/payments/")
    client.refresh_from_db()
    first = client.last_used_at
    assert first is not None
    as_chartres("get", "/api/v1/payments/")
    client.refresh_from_db()
    assert client.last_used_at == first  # within the minute: not written again
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=first - timezone.timedelta(minutes=2))
    as_chartres("get", "/api/v1/payments/")
    client.refresh_from_db()
    assert client.last_used_at > first
