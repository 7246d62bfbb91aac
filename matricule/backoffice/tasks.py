from matricule.compat import task


@task(queue_name="default")
def run_export(job_id: int) -> int:
    """Prepare a large export in the background; the agent downloads it from the export page."""
    from .exports import services

    return services.run_job(job_id)
