from django.utils import translation

from matricule.compat import task


@task(queue_name="emails")
def send_registration_confirmation(registration_id: int) -> None:
    """The confirmation email, with the summary attached (made here, off the request path).
    The attached summary is the issued one (serial, signature) that the student downloads next:
    made once, here, and served from storage by the download instead of made again in the request."""
    from matricule.certificates.services import issue_summary
    from matricule.notifications.services import send_registration_confirmation_email

    from .models import Registration

    registration = Registration.objects.select_related(
        "student__user", "stage__programme__component__university", "academic_year", "candidate"
    ).get(pk=registration_id)
    with translation.override("fr"):
        document = issue_summary(registration, "fr")
    with document.file.open("rb") as handle:
        pdf = handle.read()
    send_registration_confirmation_email(registration, pdf)
