from django.db.models import F

from matricule.compat import task


@task(queue_name="default")
def generate_certificates(job_id: int) -> int:
    """Make (or reuse) the French and English certificates of every complete registration of a
    stage, counting progress as it goes so staff see it (the progress page, `admin.py`). Runs
    once: a job done or failed is left alone and 0 returned. A job found running was taken by a
    task whose worker died (the queue hands a task over only then): it starts over, reusing the
    certificates already made. An unexpected error fails the job, and is raised."""
    from matricule.registration.models import Registration

    from . import services
    from .models import BulkGeneration

    Status = BulkGeneration.Status
    jobs = BulkGeneration.objects.filter(pk=job_id)
    # Taken in one conditional UPDATE: two workers given the same job cannot both take it.
    taken = jobs.filter(status=Status.QUEUED).update(status=Status.RUNNING)
    if not taken and not jobs.filter(status=Status.RUNNING).update(done=0, skipped=0):
        return 0
    job = BulkGeneration.objects.get(pk=job_id)
    try:
        registrations = list(
            Registration.objects.filter(
                stage=job.stage, academic_year=job.academic_year, state="registered"
            ).select_related(
                "student__user", "stage__programme__component__university", "academic_year", "candidate"
            )
        )
        jobs.update(total=len(registrations))
        for registration in registrations:
            if not services.certificate_available(registration):
                jobs.update(skipped=F("skipped") + 1)
                continue
            for language in ("fr", "en"):
                services.issue_certificate(registration, language)
            jobs.update(done=F("done") + 1)
    except Exception:
        jobs.update(status=Status.FAILED)
        raise
    jobs.update(status=Status.DONE)
    return len(registrations)


@task(queue_name="emails")
def send_registration_confirmation(registration_id: int) -> None:
    """The confirmation email, with the summary attached (made here, off the request path).
    The attached summary is the issued one (serial, signature) that the student downloads next:
    made once, here, and served from storage by the download instead of made again in the request."""
    from django.utils import translation

    from matricule.notifications.services import send_registration_confirmation_email
    from matricule.registration.models import Registration

    from .services import issue_summary

    registration = Registration.objects.select_related(
        "student__user", "stage__programme__component__university", "academic_year", "candidate"
    ).get(pk=registration_id)
    with translation.override("fr"):
        document = issue_summary(registration, "fr")
    with document.file.open("rb") as handle:
        pdf = handle.read()
    send_registration_confirmation_email(registration, pdf)
