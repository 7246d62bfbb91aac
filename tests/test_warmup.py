"""The warm-up done before gunicorn forks its workers: every template compiles, the heavy
libraries import, and nothing touches the database (connections must not cross a fork)."""

import pytest
from django.db import connections
from django.template import engines
from django.test.utils import CaptureQueriesContext

from matricule.warmup import _project_templates, warm_up


@pytest.mark.django_db
def test_the_warm_up_compiles_every_template_without_a_query(settings):
    with CaptureQueriesContext(connections["default"]) as queries:
        warm_up()
    assert len(queries) == 0
    names = _project_templates(settings)
    assert "base.html" in names and "backoffice/base.html" in names
    loader = engines["django"].engine.template_loaders[0]
    cached = {key.split("-")[0] for key in loader.get_template_cache}
    assert {"base.html", "backoffice/base.html"} <= cached
    # The student's Jinja2 pages are compiled too, in their own engine's cache.
    jinja_names = _project_templates(settings, "jinja2")
    assert {"base.html", "registration/step.html"} <= set(jinja_names)
    compiled = {name for _loader, name in engines["jinja2"].env.cache}
    assert {"base.html", "registration/step.html"} <= compiled
