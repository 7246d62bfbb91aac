"""The largest request body the application reads, per page, refused before it is read.

Django bounds the form fields it keeps in memory (`DATA_UPLOAD_MAX_MEMORY_SIZE`) but spools
uploaded files of any size to disk before a view sees them. Here every request declaring a body
larger than `MATRICULE_REQUEST_MAX_BYTES` is answered 413 with a page saying the limit, unless
its view accepts more with `@accepts_body(...)` (the upload pages: their files' limit plus the
form around them). The reverse proxy's limit (docs/deployment.md) is the largest of these.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve

# Multipart boundaries, headers and the form's other fields, around the files.
FORM_MARGIN = 256 * 1024


def accepts_body(limit):
    """Let a view read bodies up to `limit` bytes (an int, or a callable giving it per request
    so that settings are read when the request comes)."""

    def decorate(view):
        view.body_limit = limit
        return view

    return decorate


def view_limit(request) -> int:
    try:
        match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return settings.MATRICULE_REQUEST_MAX_BYTES
    limit = getattr(match.func, "body_limit", None)
    if limit is None:
        return settings.MATRICULE_REQUEST_MAX_BYTES
    return max(limit() if callable(limit) else limit, settings.MATRICULE_REQUEST_MAX_BYTES)


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # The view is looked up only for a body over the general limit: most requests pay nothing.
        if length > settings.MATRICULE_REQUEST_MAX_BYTES:
            limit = view_limit(request)
            if length > limit:
                return render(
                    request,
                    "413.html",
                    # Whole megabytes, rounded down: the form's margin is not the student's to use.
                    {"limit_mb": limit // (1024 * 1024), "back": request.path},
                    status=413,
                )
        return self.get_response(request)
