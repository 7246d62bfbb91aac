"""One rate per client: over it 429 with Retry-After, and another client is not slowed down;
a call without a client (the schema, the docs page) has no key here."""

from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from matricule.api.throttling import ClientRateThrottle

from .conftest import new_client


def test_over_the_rate_is_429_with_retry_after(as_chartres, api, chartres, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"api_client": "3/min"})
    for _n in range(3):
        assert as_chartres("get", "/api/v1/registrations/").status_code == 200
    response = as_chartres("get", "/api/v1/registrations/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Per client: another client is not slowed down by the first one.
    _other, token = new_client("other", components=[chartres.component])
    assert api(token)("get", "/api/v1/registrations/").status_code == 200


def test_the_key_is_the_client_not_the_address(db):
    client, _token = new_client("card-system")
    request = APIRequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    request.auth = client
    assert ClientRateThrottle().get_cache_key(request, None) == f"throttle_api_client_{client.pk}"
    request.auth = None
    assert ClientRateThrottle().get_cache_key(request, None) is None
