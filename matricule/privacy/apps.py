from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data by the book: the retention schedule and the student's own data (GDPR).
    Above the back office in the layering, so that it can apply every app's retention."""

    name = "matricule.privacy"
    verbose_name = _("Personal data")

    def ready(self):
        register_recurring_jobs()


def register_recurring_jobs():
    """The retention schedule, applied daily by the task workers' scheduler (it takes over the
    audit log's and the exports' purges, which are two of its classes)."""
    import datetime

    from matricule.scheduling.registry import register

    def apply_retention():
        from .retention import apply

        apply()

    register("privacy.apply_retention", datetime.timedelta(days=1), apply_retention)
