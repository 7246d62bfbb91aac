"""The university's name in every page's header, read from the reference data."""

from html import unescape

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from matricule.institution.context_processors import university
from matricule.institution.models import University


def test_pages_get_the_university_read_once(demo):
    first = university(RequestFactory().get("/"))["university"]()
    assert first == University.objects.get()
    with CaptureQueriesContext(connection) as queries:
        again = university(RequestFactory().get("/en/"))["university"]()
    assert again is first and len(queries) == 0


def test_the_header_names_the_university(client, demo):
    name = University.objects.get().name
    page = client.get("/").content.decode()
    assert f'<p class="site-header__brand"><a href="/">{name}</a>' in unescape(page)
