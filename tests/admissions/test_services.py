"""Starting an import in the background (`services.start_import`), as the admin, the commands
and the API do."""

import io
import re

import pytest
from django.core.files.storage import default_storage

from matricule.admissions.models import ImportRun
from matricule.admissions.services import start_import
from matricule.audit.models import Event

from .conftest import imported


def test_the_file_is_stored_under_a_name_the_server_chooses_and_the_run_is_queued(
    demo, administrator, sample_bytes, waiting_tasks
):
    run = start_import(
        "admissions",
        io.BytesIO(sample_bytes),
        academic_year=demo.current_year,
        user=administrator,
        file_name="../../etc/admis.csv",
    )

    assert re.fullmatch(r"imports/[0-9a-f]{32}\.csv", run.stored_file)
    with default_storage.open(run.stored_file, "rb") as handle:
        assert handle.read() == sample_bytes
    assert (run.status, run.kind, run.source, run.user, run.academic_year) == (
        "queued",
        "admissions",
        "file",
        administrator,
        demo.current_year,
    )
    assert run.file_name == "../../etc/admis.csv"  # shown in the report, never used as a path
    event = Event.objects.get(action="admissions.import.queued")
    assert (event.actor, event.data["kind"], event.data["file_name"]) == (
        administrator,
        "admissions",
        run.file_name,
    )
    assert not imported().exists()


def test_the_task_is_queued_once_the_transaction_commits(
    demo, sample_bytes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run = start_import("admissions", io.BytesIO(sample_bytes), academic_year=demo.current_year)
        assert ImportRun.objects.get().status == "queued"
    assert len(callbacks) == 1

    callbacks[0]()  # the immediate backend of these tests: imported now

    run.refresh_from_db()
    assert run.status == "done" and imported().count() == 5


def test_the_name_shown_defaults_to_the_files_own(demo, sample_bytes, tmp_path, waiting_tasks):
    path = tmp_path / "admis-2026.csv"
    path.write_bytes(sample_bytes)

    with path.open("rb") as handle:
        run = start_import("results", handle, academic_year=demo.current_year)

    assert (run.kind, run.file_name, run.user) == ("results", "admis-2026.csv", None)


def test_an_unknown_kind_is_refused_and_nothing_is_stored(demo, sample_bytes, tmp_path):
    with pytest.raises(ValueError):
        start_import("grades", io.BytesIO(sample_bytes), academic_year=demo.current_year)

    assert not ImportRun.objects.exists()
    assert not (tmp_path / "private" / "imports").exists()


def test_a_run_that_cannot_be_recorded_leaves_no_file(demo, sample_bytes, tmp_path, monkeypatch):
    from matricule.admissions import runs

    def broken(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(runs, "queue", broken)

    with pytest.raises(RuntimeError):
        start_import("admissions", io.BytesIO(sample_bytes), academic_year=demo.current_year)

    assert list((tmp_path / "private" / "imports").iterdir()) == []
