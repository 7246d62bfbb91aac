from matricule.compat import task

from .exports import services


@task(queue_name="default")
def run_export(job_id: int) -> int:
    """Prepare a large export in the background; the agent downloads it from the export page."""
    return services.run_job(job_id)


services.queue_jobs_with(run_export.enqueue)
