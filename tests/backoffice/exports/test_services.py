"""The export services (`exports/services.py`): a queued job prepared once, old files purged."""

import datetime

from matricule.backoffice.models import ExportJob


def test_a_job_runs_once_and_old_files_are_purged(exports, iut_agent, settings):
    from django.utils import timezone

    from matricule.backoffice.exports import services

    job = ExportJob.objects.create(
        user=iut_agent,
        exporter="payments",
        format="xlsx",
        params={"year": exports.year.pk, "columns": ["reference"], "filters": {"status": "failed"}},
    )
    assert services.run_job(job.pk) == 1
    assert services.run_job(job.pk) == 0  # already done: left alone
    job.refresh_from_db()
    assert job.downloadable and job.file_name.endswith(".xlsx")
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert services.purge_expired_jobs() == 1
    assert not ExportJob.objects.exists() and not storage.exists(name)


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
