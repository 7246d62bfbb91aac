"""The request being served, as far as the audit log needs it: its client address.

Services record events without a request in hand; the middleware puts the address in a
context variable for the length of the request, and `record` reads it."""

import contextvars

current_address: contextvars.ContextVar[str] = contextvars.ContextVar("audit_address", default="")


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from matricule.accounts.throttle import client_address

        token = current_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_address.reset(token)
