"""The export services (`exports/services.py`): a queued job prepared once, old files purged."""

import datetime

from matricule.backoffice.models import ExportJob
from tests.backoffice.conftest import export_job


def test_a_job_runs_once_and_old_files_are_purged(exports, iut_agent, settings):
    from django.utils import timezone

    from matricule.backoffice.exports import services

    job = export_job(iut_agent, exports.year, filters={"status": "failed"}, format="xlsx")
    assert services.run_job(job.pk) == 1
    assert services.run_job(job.pk) == 0  # already done: left alone
    job.refresh_from_db()
    assert job.downloadable and job.file_name.endswith(".xlsx")
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert services.purge_expired_jobs() == 1
    assert not ExportJob.objects.exists() and not storage.exists(name)


def test_a_job_whose_worker_died_is_prepared_again(exports, iut_agent):
    from matricule.backoffice.exports import services

    # Taken by a worker that died before writing the file.
    job = export_job(iut_agent, exports.year, status=ExportJob.Status.RUNNING)
    assert services.run_job(job.pk) >= 0
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.downloadable


def test_the_columns_chosen_last_are_offered_again_while_they_exist(demo, iut_agent, other_agent):
    from matricule.backoffice.exports import get_exporter, services

    exporter = get_exporter("payments")
    assert services.preferred_columns(iut_agent, exporter) == exporter.default_columns
    services.save_preference(iut_agent, exporter, ["gone", "status", "reference"])
    services.save_preference(iut_agent, exporter, ["gone", "status", "reference"])  # once per export
    assert services.preferred_columns(iut_agent, exporter) == ["status", "reference"]
    assert services.preferred_columns(other_agent, exporter) == exporter.default_columns
    services.save_preference(iut_agent, exporter, ["gone"])
    assert services.preferred_columns(iut_agent, exporter) == exporter.default_columns


def test_a_queued_job_keeps_the_rows_counted_for_its_progress_bar(exports, iut_agent, settings):
    from matricule.backoffice.exports import get_exporter, services

    settings.MATRICULE_EXPORT_SYNC_MAX_ROWS = 1
    request = services.ExportRequest(
        exporter=get_exporter("registrations"), year=exports.year, columns=["last_name"], format="csv"
    )

    job = services.request_export(request, user=iut_agent, language="fr")

    assert isinstance(job, ExportJob) and job.status == "queued"
    assert job.params["expected_rows"] == 3 and job.params["columns"] == ["last_name"]


def test_writing_a_file_reports_its_progress_every_so_many_rows(exports, iut_agent, monkeypatch):
    import io

    from matricule.backoffice.exports import get_exporter, services

    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    exporter = get_exporter("registrations")
    queryset = exporter.queryset(user=iut_agent, year=exports.year, filters={})
    columns = exporter.chosen(["last_name"])
    told = []

    for format in ("csv", "xlsx"):
        rows = services.write_file(
            exporter, queryset, columns, format, io.BytesIO(), language="fr", on_progress=told.append
        )
        assert rows == 3

    assert told == [2, 2]  # after the second row of each file


def test_a_running_job_saves_the_rows_written_so_far(exports, iut_agent, monkeypatch):
    from matricule.backoffice.exports import services

    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    seen = []
    write = services.write_file

    def write_and_look(*args, on_progress, **kwargs):
        def look(rows):
            on_progress(rows)
            seen.append(ExportJob.objects.values_list("status", "rows").get())

        return write(*args, on_progress=look, **kwargs)

    monkeypatch.setattr(services, "write_file", write_and_look)
    job = ExportJob.objects.create(
        user=iut_agent,
        exporter="registrations",
        format="csv",
        params={"year": exports.year.pk, "columns": ["last_name"], "filters": {}},
    )

    assert services.run_job(job.pk) == 3

    assert seen == [("running", 1), ("running", 2), ("running", 3)]
    assert ExportJob.objects.values_list("status", "rows").get() == ("done", 3)
