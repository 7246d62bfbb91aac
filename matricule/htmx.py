"""Answers to a form sent by htmx that are a whole page (the student's step form, the documents'
upload): one round trip instead of a redirect and a GET. Without JavaScript the same forms post,
redirect and get, as before."""

import copy

from django.http import HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.urls import get_script_prefix, resolve


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def whole_page(response: HttpResponse) -> HttpResponse:
    """An htmx answer that is a whole page: it replaces the body (title and all), scrolled to
    the top as a page load would be, whatever the element that asked."""
    response["HX-Retarget"] = "body"
    response["HX-Reswap"] = "innerHTML show:window:top"
    return response


def redirect_for_htmx(response: HttpResponse) -> HttpResponse:
    """A redirect said to htmx, which then loads the page: an XMLHttpRequest would follow a 302
    itself and have the page drawn under the form's address."""
    if not isinstance(response, HttpResponseRedirectBase):
        return response
    answer = HttpResponse(status=200)
    answer["HX-Redirect"] = response["Location"]
    return answer


def as_if_at(request, url: str):
    """The request as the page at `url` would have been asked for: what a page draws from its
    own address (the language switch of the header) names the page shown, not the form posted.
    A shallow copy: the session, the user, the messages and the CSRF token are the request's."""
    page_request = copy.copy(request)
    page_request.path = url
    page_request.path_info = "/" + url.removeprefix(get_script_prefix())
    page_request.resolver_match = resolve(page_request.path_info)
    return page_request
