from django.db.models import F

from matricule.compat import task


@task(queue_name="default")
def generate_certificates(job_id: int) -> int:
    """Make (or reuse) the French and English certificates of every complete registration of a
    stage, counting progress as it goes so staff see it."""
    from matricule.registration.models import Registration

    from . import services
    from .models import BulkGeneration

    job = BulkGeneration.objects.get(pk=job_id)
    registrations = list(
        Registration.objects.filter(
            stage=job.stage, academic_year=job.academic_year, state="registered"
        ).select_related(
            "student__user", "stage__programme__component__university", "academic_year", "candidate"
        )
    )
    BulkGeneration.objects.filter(pk=job_id).update(status="running", total=len(registrations))
    for registration in registrations:
        if not services.certificate_available(registration):
            BulkGeneration.objects.filter(pk=job_id).update(skipped=F("skipped") + 1)
            continue
        for language in ("fr", "en"):
            services.issue_certificate(registration, language)
        BulkGeneration.objects.filter(pk=job_id).update(done=F("done") + 1)
    BulkGeneration.objects.filter(pk=job_id).update(status="done")
    return len(registrations)
