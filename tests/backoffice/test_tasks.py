"""The back office's task (`tasks.py`): a large export prepared in the task queue."""

from matricule.backoffice.exports import services
from matricule.backoffice.models import ExportJob
from matricule.backoffice.tasks import run_export


def test_the_export_services_queue_their_jobs_through_the_task():
    assert services._queue["enqueue"] == run_export.enqueue


def test_a_queued_export_is_prepared_by_the_task(exports, iut_agent):
    job = ExportJob.objects.create(
        user=iut_agent,
        exporter="registrations",
        format="csv",
        params={"year": exports.year.pk, "columns": ["last_name", "stage_code"], "filters": {}},
    )
    result = run_export.enqueue(job.pk)  # the immediate backend (see `exports`): run now
    assert result.return_value == 3
    job.refresh_from_db()
    assert job.downloadable and job.rows == 3
    lines = job.file.open("rb").read().decode("utf-8-sig").splitlines()
    assert sorted(lines[1:]) == ["BENALI;GMP-1", "GARCIA;GEA-1", "LEFÈVRE;GEII-1"]
