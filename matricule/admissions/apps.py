from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionsConfig(AppConfig):
    name = "matricule.admissions"
    verbose_name = _("Admissions")
