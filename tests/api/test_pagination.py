"""Cursor pagination: stable while rows are added, in the update order; `next_since` (the walk's
start minus the margin) missing no row committed late; cursors and page sizes it cannot read
are a 400."""

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from matricule.registration.models import Registration

from .conftest import make_registration, walk


@pytest.fixture
def many(chartres, year):
    return [make_registration(chartres.stage, year) for _n in range(10)]


def test_rows_inserted_between_pages_neither_skip_nor_repeat_rows(as_chartres, many, chartres, year):
    present = set(
        Registration.objects.filter(stage__programme__component=chartres.component).values_list(
            "pk", flat=True
        )
    )
    first = as_chartres("get", "/api/v1/registrations/?page_size=4").json()
    seen = [row["id"] for row in first["results"]]
    # Other students register while the client reads.
    added = {make_registration(chartres.stage, year).pk for _n in range(5)}
    rest, _last = walk(as_chartres, first["next"])
    seen += [row["id"] for row in rest]
    assert len(seen) == len(set(seen))  # no row twice
    assert present <= set(seen)  # none of the rows present at the start skipped
    assert set(seen) <= present | added


def test_pages_follow_the_update_order(as_chartres, many):
    rows, _last = walk(as_chartres, "/api/v1/registrations/?page_size=3")
    keys = [(row["updated_at"], row["id"]) for row in rows]
    moments = [(datetime.datetime.fromisoformat(stamp), pk) for stamp, pk in keys]
    assert moments == sorted(moments)


def test_a_row_committed_late_with_an_older_updated_at_is_not_missed(as_chartres, many, chartres, year):
    first = as_chartres("get", "/api/v1/registrations/?page_size=100").json()
    assert first["next"] is None
    since = first["next_since"]
    # A long transaction saved this row a minute before the sync started, and committed after it
    # read: the sync did not see it, and its updated_at is older than the sync's start.
    late = make_registration(chartres.stage, year)
    started = datetime.datetime.fromisoformat(since) + datetime.timedelta(seconds=300)
    Registration.objects.filter(pk=late.pk).update(updated_at=started - datetime.timedelta(minutes=1))
    assert late.pk not in {row["id"] for row in first["results"]}
    rows, _last = walk(as_chartres, f"/api/v1/registrations/?updated_since={quote(since)}")
    assert late.pk in {row["id"] for row in rows}


def test_next_since_is_the_walk_start_minus_the_margin_on_every_page(as_chartres, many, settings):
    settings.MATRICULE_API_SYNC_MARGIN_SECONDS = 120
    before = timezone.now()
    first = as_chartres("get", "/api/v1/registrations/?page_size=2").json()
    second = as_chartres("get", first["next"]).json()
    assert first["next_since"] == second["next_since"]
    since = datetime.datetime.fromisoformat(first["next_since"])
    assert before - datetime.timedelta(seconds=121) < since < before - datetime.timedelta(seconds=119)


def test_lists_without_updated_at_give_no_next_since(as_chartres, chartres):
    assert as_chartres("get", "/api/v1/students/").json()["next_since"] is None


@pytest.mark.parametrize(
    "query",
    [
        "cursor=nonsense",
        "cursor=eyJrIjpbMV0sInMiOiJ4In0=",
        "page_size=0",
        "page_size=100000",
    ],
)
def test_unreadable_cursors_and_page_sizes_are_400(as_chartres, chartres, query):
    assert as_chartres("get", f"/api/v1/registrations/?{query}").status_code == 400
