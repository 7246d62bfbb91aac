from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class InstitutionConfig(AppConfig):
    name = "matricule.institution"
    verbose_name = _("Institution and academic year")

    def ready(self):
        from . import models
        from .campaign import forget_campaign

        def forget(**kwargs):
            forget_campaign()  # the shared cache, and this process's reference data

        # What the cached campaign overview and page header are made of.
        for model in (
            models.AcademicYear,
            models.RegistrationWindow,
            models.AssistancePeriod,
            models.University,
            models.Component,
            models.OfflinePopulation,
            models.Programme,
            models.Stage,
        ):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"campaign-{model.__name__}")
            post_delete.connect(
                forget, sender=model, weak=False, dispatch_uid=f"campaign-del-{model.__name__}"
            )
        m2m_changed.connect(
            forget,
            sender=models.RegistrationWindow.components.through,
            weak=False,
            dispatch_uid="campaign-window-components",
        )
