from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "matricule.registration"
    verbose_name = _("Registration")

    def ready(self):
        from matricule.audit.services import add_component_resolver

        from . import counts, receivers

        add_component_resolver(receivers.component_of)
        receivers.connect()
        counts.connect()
