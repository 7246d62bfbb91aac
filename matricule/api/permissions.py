"""Scopes: each view names its resource; reading needs `<resource>:read`, writing
`<resource>:write` (a view may say which an action needs)."""

from rest_framework import permissions

from .models import ApiClient


def client_of(request) -> ApiClient | None:
    return request.auth if isinstance(request.auth, ApiClient) else None


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        client = client_of(request)
        if client is None:
            return False  # not authenticated: 401 (DRF answers 401 when an authenticator has a header)
        resource = getattr(view, "resource", None)
        if resource is None:
            return False
        access = getattr(view, "scope_access", {}).get(getattr(view, "action", None))
        if access is None:
            access = "read" if request.method in permissions.SAFE_METHODS else "write"
        return client.has_scope(resource, access)
