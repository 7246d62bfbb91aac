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
    assert "base.html" in names and "registration/step.html" in names
    loader = engines["django"].engine.template_loaders[0]
    cached = {key.split("-")[0] for key in loader.get_template_cache}
    assert {"base.html", "registration/step.html"} <= cached
