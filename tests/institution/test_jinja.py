"""The Jinja2 environment of the student's pages (matricule/institution/jinja.py) and how the two
template engines share partials."""

import re
import sys
from pathlib import Path

import jinja2
import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from matricule.institution.jinja import environment

CODE = Path(__file__).resolve().parents[2] / "matricule"
LINK = re.compile(r"""\{%-?\s*(?:extends|include)\s+["']([^"']+)["']""")


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_output_is_escaped_and_translations_are_django_s():
    with translation.override("fr"):
        assert render("{{ x }}", x="<b>") == "&lt;b&gt;"
        assert render('{{ _("Log out") }}') == "Se déconnecter"
        source = (
            "{% trans name=x %}Hello {{ name }}{% endtrans %} "
            '{{ ngettext("%(num)d day", "%(num)d days", 2) }}'
        )
        text = render(source, x="<i>")
    assert text.startswith("Bonjour &lt;i&gt;")


def test_a_missing_name_fails_under_the_tests_and_is_empty_in_production(monkeypatch):
    with pytest.raises(jinja2.UndefinedError):
        render("{{ nothing.at_all }}")
    monkeypatch.delitem(sys.modules, "pytest")
    lenient = environment(loader=jinja2.DictLoader({}))
    assert lenient.from_string("[{{ nothing.at_all }}]").render() == "[]"


def test_pages_get_the_request_csrf_and_the_language(db):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore

    request.user, request.session = AnonymousUser(), SessionStore()
    request._messages = FallbackStorage(request)
    template = engines["jinja2"].from_string(
        "{{ csrf_input }}|{{ LANGUAGE_CODE }}|{{ user.is_authenticated }}"
    )
    with translation.override("en"):
        html = template.render({}, request)
    assert 'name="csrfmiddlewaretoken"' in html and html.endswith("|en|False")


def test_a_django_template_includes_a_jinja2_partial_with_its_context():
    django = engines["django"].from_string(
        "{% load matricule_format %}{% for s in steps %}"
        '{% jinja "registration/_missing_steps.html" step_url=name %}{% endfor %}'
    )
    html = django.render(
        {
            "steps": [1],
            "name": "registration:step",
            "url": "a page variable named like the url() function",
            "registration": type("R", (), {"pk": 7})(),
            "missing": [type("S", (), {"key": "identity", "title": "Identité <1>"})()],
        }
    )
    assert f'href="{reverse("registration:step", args=[7, "identity"])}"' in html
    assert "Identité &lt;1&gt;" in html


def test_every_template_finds_what_it_extends_and_includes_in_its_own_engine():
    """A template lives in one engine; a Django template reaches a Jinja2 partial only through
    {% jinja %}, and a Jinja2 template cannot reach a Django one."""
    missing = []
    for engine, folder in (("django", "templates"), ("jinja2", "jinja2")):
        for path in CODE.rglob(f"{folder}/**/*.html"):
            if f"/{folder}/" not in str(path):
                continue
            for name in LINK.findall(path.read_text()):
                try:
                    engines[engine].get_template(name)
                except Exception as error:  # noqa: BLE001 (any failure is reported)
                    missing.append(f"{path.relative_to(CODE)} -> {name} ({type(error).__name__})")
    assert not missing, "\n".join(missing)


def test_the_test_client_sees_what_a_jinja2_page_was_given(client, demo):
    response = client.get("/")
    assert response.templates[0].name == "institution/registration_page.html"
    assert response.context["year"].code


def test_a_django_template_tag_of_the_same_name_is_not_needed_in_jinja2_pages():
    """The Jinja2 templates use no Django tag by mistake (a {% url %} or {% translate %} would be
    a syntax error at the first render, on a page a test may not reach)."""
    django_only = re.compile(r"\{%-?\s*(load|url|static|translate|blocktranslate|csrf_token|jinja)\b")
    offenders = [
        str(path.relative_to(CODE))
        for path in CODE.rglob("jinja2/**/*.html")
        if "/jinja2/" in str(path) and django_only.search(path.read_text())
    ]
    assert offenders == []
    for path in CODE.rglob("jinja2/**/*.html"):
        if "/jinja2/" in str(path):
            engines["jinja2"].env.parse(path.read_text())  # compiles


def test_addresses_and_static_urls_are_kept_per_language_and_forgotten_on_a_settings_change(settings):
    """url() without arguments and static() are kept per process (every page asks for the same
    few): each language keeps its own address, and a settings change is seen at once."""
    from django.templatetags.static import static

    from matricule.institution import jinja

    for language in ("fr", "en", "fr"):
        with translation.override(language):
            assert render("{{ url('privacy-notice') }}") == reverse("privacy-notice")
    with translation.override("en"):
        assert render("{{ url('privacy-notice') }}").startswith("/en/")
    assert render("{{ static('css/matricule.css') }}") == static("css/matricule.css")
    assert jinja._KEPT  # kept
    settings.STATIC_URL = "/elsewhere/"
    assert not jinja._KEPT  # forgotten
    assert render("{{ static('css/matricule.css') }}").startswith("/elsewhere/")
    with translation.override("en"):  # with arguments: reversed each time, as given
        assert render("{{ url('registration:status', 7) }}") == reverse("registration:status", args=[7])


def test_what_is_kept_is_bounded(monkeypatch):
    from matricule.institution import jinja

    monkeypatch.setattr(jinja, "_KEPT_MAX", 3)
    jinja._KEPT.clear()
    for path in ("a.css", "b.css", "c.css", "d.css"):
        jinja.static_url(path)
    assert len(jinja._KEPT) <= 3
