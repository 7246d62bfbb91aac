"""Whole-page answers to forms sent by htmx (matricule/htmx.py)."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory

from matricule.htmx import as_if_at, is_htmx, redirect_for_htmx, whole_page


def test_a_request_sent_by_htmx_is_told_apart():
    factory = RequestFactory()
    assert is_htmx(factory.post("/", headers={"HX-Request": "true"}))
    assert not is_htmx(factory.post("/"))


def test_a_whole_page_replaces_the_body_from_the_top():
    response = whole_page(HttpResponse("<main></main>"))
    assert response["HX-Retarget"] == "body" and response["HX-Reswap"] == "innerHTML show:window:top"


def test_a_redirect_becomes_an_htmx_redirect_and_a_page_stays_a_page():
    answer = redirect_for_htmx(redirect("/inscription/1/pieces/"))
    assert answer.status_code == 200 and answer["HX-Redirect"] == "/inscription/1/pieces/"
    page = HttpResponse("page")
    assert redirect_for_htmx(page) is page


def test_the_page_is_drawn_as_if_asked_at_its_own_address():
    request = RequestFactory().post("/inscription/1/pieces/2/", headers={"HX-Request": "true"})
    request.session = {"kept": True}
    page_request = as_if_at(request, "/inscription/1/pieces/")
    assert page_request.path == page_request.path_info == "/inscription/1/pieces/"
    assert page_request.resolver_match.view_name == "documents:list"
    assert page_request.session is request.session and page_request.method == "POST"
    assert request.path == "/inscription/1/pieces/2/"  # the request itself is left as it was
