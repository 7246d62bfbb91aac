import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# How often the sweep looks for accounts to synchronise again (failed and due, or left behind).
SWEEP_EVERY = datetime.timedelta(minutes=1)


class DirectoryConfig(AppConfig):
    name = "matricule.directory"
    verbose_name = _("Directory (ENT accounts)")

    def ready(self):
        from matricule.accounts import activation, student_cas
        from matricule.registration.models import registration_cancelled, registration_registered
        from matricule.scheduling.registry import register

        from . import cas, services

        def registered(sender, registration, **kwargs):
            from .tasks import queue_sync

            queue_sync(registration.student_id)  # sent after the commit: queued at once

        def cancelled(sender, registration, **kwargs):
            from .tasks import queue_sync

            queue_sync(registration.student_id, only_existing=True)

        registration_registered.connect(registered, weak=False, dispatch_uid="directory.registered")
        registration_cancelled.connect(cancelled, weak=False, dispatch_uid="directory.cancelled")
        activation.add_password_setter(services.set_password)
        student_cas.set_account_lookup(cas.student_user, cas.available)
        register("directory.sync_due", SWEEP_EVERY, services.sync_due)
