"""The request being served, as far as the audit log needs it: its client address.

Services record events without a request in hand; the middleware puts the address in a
context variable for the length of the request, and `record` reads it."""

import contextvars

from django.conf import settings

current_address: contextvars.ContextVar[str] = contextvars.ContextVar("audit_address", default="")


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_address.reset(token)


def client_address(request) -> str:
    """The client's address; behind our own proxy, the address it appended last."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]
