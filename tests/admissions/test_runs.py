"""The runner both imports share: its lifecycle table and what it does on an unexpected error."""

import io

import pytest

from matricule.admissions import importer, runs
from matricule.admissions.models import ImportRun
from matricule.admissions.results_importer import import_results


@pytest.mark.parametrize("end", [runs.finish, runs.fail])
@pytest.mark.parametrize("status", [ImportRun.Status.DONE, ImportRun.Status.FAILED])
def test_a_run_ends_only_once(end, status):
    run = ImportRun(status=status)

    with pytest.raises(runs.TransitionError):
        end(run)

    assert (run.status, run.finished_at) == (status, None)


def test_an_unexpected_error_fails_the_run_and_is_raised(demo, monkeypatch, sample_bytes):
    def broken(self, line, row):
        raise RuntimeError("boom")

    monkeypatch.setattr(importer._RowChecker, "check", broken)

    with pytest.raises(RuntimeError, match="boom"):
        importer.import_file(io.BytesIO(sample_bytes), academic_year=demo.current_year)

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert run.finished_at is not None


def test_the_results_import_goes_through_the_same_lifecycle(demo):
    run = import_results(io.BytesIO(b""), academic_year=demo.current_year, file_name="vide.csv")

    assert (run.kind, run.status, run.file_name) == (
        ImportRun.Kind.RESULTS,
        ImportRun.Status.FAILED,
        "vide.csv",
    )
    assert run.finished_at is not None
    assert [issue.code for issue in run.issues.all()] == ["file_empty"]
