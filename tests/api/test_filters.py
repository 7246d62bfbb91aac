"""The lists' query filters: each reads its value (text, whole number, ISO moment, one of the
choices) and filters on its lookup; `updated_since` brings back what changed after a sync; a
value that cannot be read is a 400, never a silently empty list."""

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from matricule.api import filters
from matricule.registration.models import Registration

from .conftest import make_registration, walk


def test_filters(as_chartres, chartres, year):
    draft = make_registration(chartres.stage, year, state="draft")
    query = f"state=draft&year={year.code}&stage={chartres.stage.code}&component=iut-chartres"
    url = f"/api/v1/registrations/?{query}"
    ids = {row["id"] for row in walk(as_chartres, url)[0]}
    assert draft.pk in ids
    assert chartres.registration.pk not in ids
    documents = as_chartres("get", "/api/v1/documents/?document_type=photo&status=submitted").json()[
        "results"
    ]
    assert chartres.document.pk in {row["id"] for row in documents}
    validated = as_chartres("get", "/api/v1/documents/?status=validated").json()["results"]
    assert chartres.document.pk not in {row["id"] for row in validated}
    serial = as_chartres("get", f"/api/v1/issued-documents/?serial={chartres.issued.serial}").json()[
        "results"
    ]
    assert [row["id"] for row in serial] == [chartres.issued.pk]
    number = as_chartres("get", f"/api/v1/students/?student_number={chartres.student.student_number}").json()
    assert [row["id"] for row in number["results"]] == [chartres.student.pk]


def test_a_change_after_a_sync_comes_with_updated_since(as_chartres, chartres, year):
    many = [make_registration(chartres.stage, year) for _n in range(10)]
    _rows, last = walk(as_chartres, "/api/v1/registrations/")
    since = last["next_since"]
    changed = many[3]
    changed.state = "cancelled"  # a change made after the sync (through save: updated_at moves)
    changed.save()
    rows, _last = walk(as_chartres, f"/api/v1/registrations/?updated_since={quote(since)}")
    assert changed.pk in {row["id"] for row in rows}
    assert next(row for row in rows if row["id"] == changed.pk)["state"] == "cancelled"


@pytest.mark.parametrize("query", ["updated_since=yesterday", "state=lost", "student=abc"])
def test_unreadable_values_are_400(as_chartres, chartres, query):
    assert as_chartres("get", f"/api/v1/registrations/?{query}").status_code == 400


def test_values_are_read_strictly():
    assert filters.text("GEII-1") == "GEII-1"
    assert filters.whole_number("42") == 42
    for reader, value in [
        (filters.text, "x" * (filters.MAX_TEXT + 1)),
        (filters.whole_number, "-1"),
        (filters.whole_number, "٣"),  # a digit, but not an ASCII one
        (filters.whole_number, "9" * 19),
        (filters.moment, "2025-13-01T00:00"),
        (filters.one_of(["a", "b"]), "c"),
    ]:
        with pytest.raises(ValueError):
            reader(value)


def test_a_moment_without_an_offset_is_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    read = filters.moment("2025-07-01T12:00:00")
    assert timezone.is_aware(read)
    assert read == datetime.datetime(2025, 7, 1, 10, 0, tzinfo=datetime.UTC)
    assert filters.moment("2025-07-01T12:00:00+00:00").hour == 12


def test_the_schema_parameter_says_the_type_and_the_choices():
    state = filters.Filter("state", "state", filters.one_of(["draft", "registered"]), "State.")
    assert state.parameter().enum == ["draft", "registered"]
    assert filters.Filter("student", "student_id", filters.whole_number, "Id.").kind == OpenApiTypes.INT
    assert filters.updated_since().kind == OpenApiTypes.DATETIME


def test_apply_names_every_unreadable_filter(db):
    listed = [
        filters.Filter("student", "student_id", filters.whole_number, "Id."),
        filters.Filter("state", "state", filters.one_of(["draft"]), "State."),
    ]
    rows = Registration.objects.all()
    assert filters.apply(rows, {"student": "", "state": "draft"}, listed).query.where
    with pytest.raises(serializers.ValidationError) as refused:
        filters.apply(rows, {"student": "abc", "state": "lost"}, listed)
    assert set(refused.value.detail) == {"student", "state"}
    assert "abc" in str(refused.value.detail["student"][0])
