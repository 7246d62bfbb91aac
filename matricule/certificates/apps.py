from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "matricule.certificates"
    verbose_name = _("Issued documents")

    def ready(self):
        from matricule.registration.models import State, registration_cancelled, registration_registered
        from matricule.registration.pages import add_status_context

        def revoke(sender, registration, reason="", **kwargs):
            from .services import revoke_for_registration

            revoke_for_registration(registration, f"registration cancelled: {reason}")

        def confirm(sender, registration, **kwargs):
            from .tasks import send_registration_confirmation

            # Sent after the commit already: the summary is made and emailed by the worker.
            send_registration_confirmation.enqueue(registration.pk)

        def summary(registration) -> dict:
            from .summary import summary_data

            registered = registration.state == State.REGISTERED
            return {"summary": summary_data(registration) if registered else None}

        registration_cancelled.connect(revoke, weak=False, dispatch_uid="certificates.revoke")
        registration_registered.connect(confirm, weak=False, dispatch_uid="certificates.confirm")
        add_status_context(summary)
