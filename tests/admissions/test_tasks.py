"""The imports' task (`tasks.py`): a queued run imported once, whatever happens to it."""

import io

import pytest
from django.core.files.storage import default_storage

from matricule.admissions import importer
from matricule.admissions.models import ImportRun, Result
from matricule.admissions.services import start_import
from matricule.admissions.tasks import import_queued_run
from matricule.audit.models import Event

from .conftest import DATA, SAMPLE_FIRST, counts, imported


@pytest.fixture
def queued(demo, administrator, waiting_tasks):
    """start(content, kind=…) → a run queued with its file, its task not run yet."""

    def start(content: bytes, kind="admissions"):
        return start_import(
            kind, io.BytesIO(content), academic_year=demo.current_year, user=administrator, file_name="f.csv"
        )

    return start


def test_the_task_imports_the_stored_file_then_deletes_it(queued, sample_bytes, administrator):
    run = queued(sample_bytes)
    stored = run.stored_file
    assert default_storage.exists(stored)

    assert import_queued_run.call(run.pk) == "done"

    run.refresh_from_db()
    assert (run.status, run.user, run.file_name, run.lines_total) == ("done", administrator, "f.csv", 7)
    assert counts(run) == SAMPLE_FIRST
    assert len(run.checksum) == 64 and run.finished_at is not None
    assert imported().count() == 5
    assert run.stored_file == "" and not default_storage.exists(stored)
    event = Event.objects.get(action="admissions.import.finished")
    assert (event.actor, event.data["status"], event.data["created"]) == (administrator, "done", 5)


def test_running_the_task_twice_imports_once(queued, sample_bytes):
    run = queued(sample_bytes)

    assert import_queued_run.call(run.pk) == "done"
    assert import_queued_run.call(run.pk) is None  # the run is not queued any more: left alone

    run.refresh_from_db()
    assert (run.status, run.created, run.unchanged) == ("done", 5, 1)
    assert imported().count() == 5
    assert Event.objects.filter(action="admissions.import.finished").count() == 1


@pytest.mark.parametrize("status", ["done", "failed"])
def test_a_run_over_is_left_alone(queued, sample_bytes, status):
    run = queued(sample_bytes)
    ImportRun.objects.filter(pk=run.pk).update(status=status)

    assert import_queued_run.call(run.pk) is None

    run.refresh_from_db()
    assert (run.status, run.lines_read) == (status, 0)
    assert not imported().exists()


def test_a_run_whose_worker_died_mid_import_is_imported_again_from_the_start(queued, sample_bytes):
    """The task taken up again after its worker died finds the run running: the file is imported
    again; what the dead worker had written is found unchanged, nothing is doubled."""
    run = queued(sample_bytes)
    assert import_queued_run.call(run.pk) == "done"  # as far as the first worker got, say all
    ImportRun.objects.filter(pk=run.pk).update(status="running", finished_at=None, created=2, lines_read=2)
    run.refresh_from_db()
    run.issues.all().delete()
    run.stored_file = ""  # the first worker never reached the end: put the file back
    from django.core.files.base import ContentFile

    stored = default_storage.save("imports/again.csv", ContentFile(sample_bytes))
    ImportRun.objects.filter(pk=run.pk).update(stored_file=stored)

    assert import_queued_run.call(run.pk) == "done"

    run.refresh_from_db()
    assert (run.status, run.created, run.unchanged + run.updated) == ("done", 0, 6)
    assert imported().count() == 5
    assert Event.objects.filter(action="admissions.import.resumed").count() == 1


def test_the_results_import_runs_the_same_way(queued):
    run = queued((DATA / "resultats.csv").read_bytes(), kind="results")

    assert import_queued_run.call(run.pk) == "done"

    run.refresh_from_db()
    assert (run.kind, run.created, run.rejected) == ("results", 5, 1)
    assert Result.objects.filter(import_run=run).count() == 5


def test_a_file_lost_from_storage_fails_the_run_with_its_reason(queued, sample_bytes):
    run = queued(sample_bytes)
    default_storage.delete(run.stored_file)

    assert import_queued_run.call(run.pk) == "failed"

    run.refresh_from_db()
    assert (run.status, run.stored_file) == ("failed", "")
    assert [issue.code for issue in run.issues.all()] == ["file_unavailable"]
    assert "n'a pas pu être relu depuis le stockage" in run.issues.get().message


def test_an_unusable_file_fails_the_run(queued):
    run = queued(b"PK\x03\x04\x14\x00")

    assert import_queued_run.call(run.pk) == "failed"

    assert [issue.code for issue in ImportRun.objects.get().issues.all()] == ["file_not_text"]


def test_an_unexpected_error_fails_the_run_deletes_the_file_and_is_raised(queued, sample_bytes, monkeypatch):
    def broken(self, line, row):
        raise RuntimeError("boom")

    monkeypatch.setattr(importer._RowChecker, "check", broken)
    run = queued(sample_bytes)
    stored = run.stored_file

    with pytest.raises(RuntimeError, match="boom"):
        import_queued_run.call(run.pk)

    run.refresh_from_db()
    assert (run.status, run.stored_file) == ("failed", "")
    assert not default_storage.exists(stored)
    # Failed: taking it again does nothing.
    assert import_queued_run.call(run.pk) is None


def test_a_file_that_breaks_while_it_is_read_fails_the_run(queued, sample_bytes, monkeypatch):
    from matricule.admissions import runs

    def broken(fileobj):
        raise OSError("connection to the object storage lost")

    monkeypatch.setattr(runs, "inspect_file", broken)
    run = queued(sample_bytes)

    with pytest.raises(OSError, match="object storage"):
        import_queued_run.call(run.pk)

    run.refresh_from_db()
    assert (run.status, run.stored_file) == ("failed", "") and run.finished_at is not None
