from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "matricule.notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import delivery

        # Which task is running, so that a task run again sends its emails through the same rows.
        delivery.listen_to_tasks()
        register_recurring_jobs()


def register_recurring_jobs():
    import datetime

    from matricule.scheduling.registry import register

    from .services import deliver_due

    # Emails left behind (a crash between commit and send) and retries that are due.
    register("notifications.deliver_emails", datetime.timedelta(minutes=1), deliver_due)
