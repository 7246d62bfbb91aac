from matricule.compat import task

from .exports import services


@task(queue_name="default")
def run_export(job_id: int) -> int:
    """Prepare a large export in the background; the agent downloads it from the export page."""
    return services.run_job(job_id)


services.queue_jobs_with(run_export.enqueue)


@task(queue_name="default")
def send_reminders(
    registration_ids: list[int], candidate_ids: list[int], sender_id: int | None = None
) -> dict:
    """Email the reminders an agent confirmed from a list. Run again (a retry, a worker taken
    over), it sends only to those not reminded yet today (reminders.send_one)."""
    # Imported here: this module is loaded at start-up (apps.py), the reminders need the models.
    from django.contrib.auth import get_user_model

    from .reminders import send_list

    sender = get_user_model().objects.filter(pk=sender_id).first() if sender_id else None
    return send_list(registration_ids, candidate_ids, sender=sender)
