"""Hot queries compiled once per connection (matricule/prepared.py): the same rows and
instances as Django's own evaluation, compiled once, and Django's path for what it cannot keep."""

import pytest
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from matricule.institution.models import Programme, Stage
from matricule.prepared import PreparedQuery

pytestmark = pytest.mark.django_db


def counting_compilations(monkeypatch):
    calls = []
    original = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        calls.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return calls


def test_the_same_instances_as_django_and_one_compilation(demo, monkeypatch):
    stages = list(Stage.objects.select_related("programme", "programme__component").order_by("pk"))
    assert len(stages) >= 2
    prepared = PreparedQuery(
        lambda pk, code: (
            Stage.objects.select_related("programme", "programme__component")
            .filter(pk=pk, code=code)
            .order_by()[:1]
        )
    )
    calls = counting_compilations(monkeypatch)
    for stage in stages:
        (found,) = prepared(stage.pk, stage.code)
        assert found == stage and found._state.adding is False and found._state.db == "default"
        for name in ("code", "programme_id"):
            assert getattr(found, name) == getattr(stage, name)
        # The related rows came with it: no query for them.
        with CaptureQueriesContext(connection) as queries:
            assert found.programme == stage.programme
            assert found.programme.component == stage.programme.component
        assert len(queries) == 0
    assert len(calls) == 1  # compiled once, with the probes
    assert prepared(stages[0].pk, "no such code") == []
    assert prepared(-5, stages[0].code) == []


def test_the_sql_is_parameterised_whatever_the_string(demo):
    stage = Stage.objects.first()
    prepared = PreparedQuery(lambda code: Stage.objects.filter(code=code).order_by()[:1])
    assert prepared("x' OR '1'='1") == []
    assert prepared(stage.code) == [stage]


def test_a_shape_it_cannot_keep_runs_as_django_would(demo, monkeypatch):
    stage = Stage.objects.first()
    # icontains wraps the value (%…%): the probe is not a parameter as given.
    prepared = PreparedQuery(lambda part: Stage.objects.filter(code__icontains=part).order_by("pk"))
    calls = counting_compilations(monkeypatch)
    first = prepared(stage.code[1:])
    second = prepared(stage.code[1:])
    assert stage in first and first == second
    assert len(calls) == 3  # the probe, then each call compiled by Django
    values = PreparedQuery(lambda pk: Programme.objects.filter(pk=pk).values("code"))
    assert values(stage.programme_id) == [{"code": stage.programme.code}]


def test_an_id_beyond_a_column_s_range_finds_nothing_instead_of_failing(demo):
    prepared = PreparedQuery(lambda pk: Stage.objects.filter(pk=pk).order_by()[:1])
    assert prepared(2**70) == [] and prepared(-(2**40)) == []
    with pytest.raises(TypeError):
        prepared(1.5)


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_outside_a_transaction_fails_as_with_django(demo):
    stage = Stage.objects.first()
    build = lambda pk: Stage.objects.select_for_update().filter(pk=pk).order_by()[:1]  # noqa: E731
    prepared = PreparedQuery(build)
    with transaction.atomic():
        assert prepared(stage.pk) == [stage]
    outcomes = []
    for run in (lambda: list(build(stage.pk)), lambda: prepared(stage.pk)):
        try:
            run()
            outcomes.append("rows")
        except TransactionManagementError:
            outcomes.append("refused")
    expected = "refused" if connection.features.has_select_for_update else "rows"
    assert outcomes == [expected, expected]
