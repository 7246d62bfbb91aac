"""Scopes: every endpoint needs `<resource>:read` or `<resource>:write` (403 without it, and a
refused write changes nothing); a view that names no resource lets nobody in."""

import pytest
from rest_framework.test import APIRequestFactory

from matricule.api.models import SCOPES
from matricule.api.permissions import HasScope
from matricule.documents.models import Submission

from .conftest import new_client
from .endpoints import NAMES, endpoint


@pytest.mark.parametrize("name", NAMES)
def test_missing_scope_is_403(api, chartres, orleans, name):
    _name, method, resource, access, url, body = endpoint(name, chartres)
    others = [scope for scope in SCOPES if scope != f"{resource}:{access}"]
    _client, token = new_client("narrow", scopes=others, components=[chartres.component])
    assert api(token)(method, url, json=body).status_code == 403


def test_a_write_with_read_scope_only_changes_nothing(api, chartres):
    _client, token = new_client("reader", scopes=["documents:read"], components=[chartres.component])
    url = f"/api/v1/documents/{chartres.document.pk}/decision/"
    assert api(token)("post", url, json={"decision": "validate"}).status_code == 403
    assert Submission.objects.get(pk=chartres.document.pk).status == "submitted"


class _View:
    """A view as HasScope reads it: its resource, action and per-action accesses."""

    def __init__(self, resource=None, action=None, scope_access=None):
        self.resource, self.action = resource, action
        if scope_access is not None:
            self.scope_access = scope_access


def _request(method, client):
    request = getattr(APIRequestFactory(), method)("/")
    request.auth = client
    return request


def test_the_access_follows_the_method_unless_the_view_names_it(db):
    reader, _token = new_client("reader", scopes=["documents:read"])
    check = HasScope()
    assert check.has_permission(_request("get", reader), _View("documents"))
    assert not check.has_permission(_request("post", reader), _View("documents"))
    # An action that only reads, though posted, may say so.
    named = _View("documents", action="search", scope_access={"search": "read"})
    assert check.has_permission(_request("post", reader), named)


def test_no_client_or_no_resource_is_refused(db):
    client, _token = new_client("everything")
    check = HasScope()
    assert not check.has_permission(_request("get", None), _View("documents"))
    assert not check.has_permission(_request("get", client), _View(None))
