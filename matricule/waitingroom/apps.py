from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WaitingroomConfig(AppConfig):
    name = "matricule.waitingroom"
    verbose_name = _("Waiting room")

    def ready(self):
        from matricule.institution.models import RegistrationWindow

        from .gate import forget_configuration
        from .models import Gate

        # This process reads the new configuration at once; the others within seconds.
        for model in (Gate, RegistrationWindow):
            post_save.connect(
                forget_configuration, sender=model, dispatch_uid=f"waitingroom-{model.__name__}"
            )
            post_delete.connect(
                forget_configuration, sender=model, dispatch_uid=f"waitingroom-del-{model.__name__}"
            )
