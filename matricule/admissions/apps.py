from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionsConfig(AppConfig):
    name = "matricule.admissions"
    verbose_name = _("Admissions")

    def ready(self):
        from matricule.audit.services import add_component_resolver
        from matricule.institution import reference

        def component_of(obj) -> int | None:
            """A candidate's events belong to the component of their stage."""
            if obj._meta.label_lower == "admissions.candidate" and obj.stage_id:
                return reference.stage(obj.stage_id).programme.component_id
            return None

        add_component_resolver(component_of)
