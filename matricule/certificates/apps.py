from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "matricule.certificates"
    verbose_name = _("Issued documents")

    def ready(self):
        from matricule.registration.models import registration_cancelled

        def revoke(sender, registration, reason="", **kwargs):
            from .services import revoke_for_registration

            revoke_for_registration(registration, f"registration cancelled: {reason}")

        registration_cancelled.connect(revoke, weak=False, dispatch_uid="certificates.revoke")
