"""unique_row reads the row a unique key designates, without the ORDER BY of first()."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matricule.institution.models import Stage
from matricule.rows import unique_row


@pytest.mark.django_db
def test_the_row_or_none_and_no_order(demo):
    stage = Stage.objects.get(code="GEII-1")
    with CaptureQueriesContext(connection) as queries:
        found = unique_row(Stage.objects.select_related("programme").filter(pk=stage.pk))
        missing = unique_row(Stage.objects.filter(pk=-1))
    assert found == stage and found.programme.pk == stage.programme_id and missing is None
    assert all("ORDER BY" not in q["sql"] for q in queries.captured_queries)
    assert all("LIMIT 1" in q["sql"] for q in queries.captured_queries)
