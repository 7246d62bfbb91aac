from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "matricule.scheduling"
    verbose_name = _("Background work")

    def ready(self):
        from . import recovery, registry

        # Its own recurring job: put back in the queue the tasks of workers that died.
        registry.register("scheduling.recover_tasks", recovery.EVERY, recovery.recover_abandoned_tasks)
        registry.register("scheduling.prune_task_results", recovery.PRUNE_EVERY, recovery.prune_task_results)
