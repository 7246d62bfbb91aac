"""Reference data kept per process: read once, shared by the following requests, and read again
as soon as this process changes it (or after REFERENCE_SECONDS elsewhere)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from matricule.institution import reference
from matricule.institution.models import Stage


def test_a_stage_is_read_once_with_its_programme_component_and_university(demo):
    stage_pk = Stage.objects.get(code="GEII-1").pk
    first = reference.stage(stage_pk)
    with CaptureQueriesContext(connection) as queries:
        again = reference.stage(stage_pk)
        component = again.programme.component
        names = (again.programme.name, component.name, component.university.name)
    assert again is first and all(names)
    assert len(queries) == 0


def test_a_change_in_this_process_is_seen_at_once(demo):
    stage = Stage.objects.get(code="GEII-1")
    assert reference.stage(stage.pk).name == stage.name
    stage.name = "BUT GEII — première année (renommée)"
    stage.save()
    assert reference.stage(stage.pk).name == "BUT GEII — première année (renommée)"


def test_entries_expire(demo, monkeypatch):
    stage_pk = Stage.objects.get(code="GEII-1").pk
    first = reference.stage(stage_pk)
    Stage.objects.filter(pk=stage_pk).update(name="Changed elsewhere")  # no signal: another process
    assert reference.stage(stage_pk).name == first.name
    later = reference.time.monotonic() + reference.REFERENCE_SECONDS + 1
    monkeypatch.setattr(reference.time, "monotonic", lambda: later)
    assert reference.stage(stage_pk).name == "Changed elsewhere"


def test_the_current_year_and_attach(demo, demo_candidates):
    year = reference.current_year()
    assert year is not None and year.is_current
    candidate = demo_candidates["accepted"]
    reference.attach(candidate)
    with CaptureQueriesContext(connection) as queries:
        reference.attach(candidate)
        code = candidate.stage.programme.component.name
    assert code and candidate.academic_year == year and len(queries) == 0
    unmapped = reference.attach(demo_candidates["unmapped"])
    assert unmapped.stage is None


def test_the_university_and_memos(demo, monkeypatch):
    first = reference.university()
    with CaptureQueriesContext(connection) as queries:
        assert reference.university() is first
    assert len(queries) == 0 and first.name
    calls = []
    assert reference.memo(("k",), lambda: calls.append(1) or len(calls), 5) == 1
    assert reference.memo(("k",), lambda: calls.append(1) or len(calls), 5) == 1
    later = reference.time.monotonic() + 6
    monkeypatch.setattr(reference.time, "monotonic", lambda: later)
    assert reference.memo(("k",), lambda: calls.append(1) or len(calls), 5) == 2
