"""Reference data read by every registration page: academic years and stages (with their
programme, component and university).

They change a few times a year but were joined into the query of every page of the form (eight
tables for one registration). Each process keeps them for REFERENCE_SECONDS; a change made in
this process clears them at once (signals in apps.py), another process sees it within that time,
as with the cached campaign overview. The instances are shared: read them, never modify them.
"""

import time

from .models import AcademicYear, Stage, University

REFERENCE_SECONDS = 30

_store: dict[tuple, tuple[float, object]] = {}


def _cached(key: tuple, load, seconds: float = REFERENCE_SECONDS):
    now = time.monotonic()
    found = _store.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = load()
    _store[key] = (now + seconds, value)
    return value


def memo(key: tuple, load, seconds: float):
    """Any value kept in this process for `seconds` (cleared with the reference data)."""
    return _cached(("memo", *key), load, seconds)


def forget(**kwargs) -> None:
    _store.clear()


def stage(pk: int) -> Stage:
    return _cached(
        ("stage", pk), lambda: Stage.objects.select_related("programme__component__university").get(pk=pk)
    )


def academic_year(pk: int) -> AcademicYear:
    return _cached(("year", pk), lambda: AcademicYear.objects.get(pk=pk))


def current_year() -> AcademicYear | None:
    return _cached(("current-year",), lambda: AcademicYear.objects.current())


def university() -> University | None:
    return _cached(("university",), lambda: University.objects.first())


def attach(obj):
    """Fill obj.stage and obj.academic_year (a registration or a candidate) from the reference
    data instead of a join or a query."""
    obj.stage = stage(obj.stage_id) if obj.stage_id else None
    obj.academic_year = academic_year(obj.academic_year_id)
    return obj
