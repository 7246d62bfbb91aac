from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionConfig(AppConfig):
    name = "matricule.institution"
    verbose_name = _("Institution and academic year")
