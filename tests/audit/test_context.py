"""The client address the audit trail records: the request's, behind our proxy the last one it
appended, known to the services for the length of the request only."""

from django.http import HttpResponse
from django.test import RequestFactory

from matricule.audit.context import AuditContextMiddleware, client_address, current_address


def test_the_address_is_the_peers_without_a_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "203.0.113.7"  # a forwarded header anyone can send is ignored


def test_behind_the_proxy_the_address_it_appended_last(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.7 "
    )
    assert client_address(forwarded) == "203.0.113.7"
    direct = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    assert client_address(direct) == "10.0.0.2"
    long = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="f" * 100)
    assert client_address(long) == "f" * 64


def test_the_middleware_gives_the_address_for_the_request_only(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    seen = []

    def view(request):
        seen.append(current_address.get())
        return HttpResponse()

    AuditContextMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="203.0.113.7"))
    assert seen == ["203.0.113.7"]
    assert current_address.get() == ""
