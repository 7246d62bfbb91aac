from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "matricule.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from matricule.registration.models import registration_registered

        def send_activation(sender, registration, **kwargs):
            from .activation import send_activation_link

            send_activation_link(registration.student.user)

        registration_registered.connect(send_activation, weak=False,
                                        dispatch_uid="accounts.send_activation")
