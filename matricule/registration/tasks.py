from django.utils import translation

from matricule.compat import task


@task(queue_name="emails")
def send_registration_confirmation(registration_id: int) -> None:
    """The confirmation email, with the summary attached (made here, off the request path)."""
    from matricule.notifications.services import send_registration_confirmation_email

    from .models import Registration
    from .summary import summary_pdf

    registration = (Registration.objects
                    .select_related("student__user", "stage__programme__component__university",
                                    "academic_year", "candidate")
                    .get(pk=registration_id))
    with translation.override("fr"):
        pdf = summary_pdf(registration, "fr")
    send_registration_confirmation_email(registration, pdf)
