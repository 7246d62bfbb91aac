from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "matricule.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from matricule.registration.models import registration_registered

        def send_activation(sender, registration, **kwargs):
            from django.conf import settings
            from django.utils import translation

            from .activation import offer_activation

            # Sent after the commit already: the checks and the limit are the worker's work.
            language = translation.get_language() or settings.LANGUAGE_CODE
            offer_activation.enqueue(registration.student_id, language)

        registration_registered.connect(send_activation, weak=False,
                                        dispatch_uid="accounts.send_activation")
