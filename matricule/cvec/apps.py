from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CvecConfig(AppConfig):
    name = "matricule.cvec"
    verbose_name = _("CVEC verification")

    def ready(self):
        from . import simulator  # noqa: F401 (registers the simulator backend)
