from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "matricule.backoffice"
    verbose_name = _("Back office")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import tasks  # noqa: F401  (tells the export services how to queue a job)
        from .folding import register_sqlite_function

        # The search folds names in SQL; SQLite learns the folding function on each connection.
        connection_created.connect(register_sqlite_function, dispatch_uid="matricule_fold")
        audit_email_resends()
        register_recurring_jobs()
        # The purges of the audit log and of exports run daily as two classes of the retention
        # schedule (privacy.retention), no longer as jobs of their own.


def audit_email_resends():
    """notifications cannot import audit (same layer): the resend it announces is audited here."""
    from matricule.audit.services import record
    from matricule.notifications.signals import email_resent

    def resent(sender, email, actor, **kwargs):
        record("notifications.email.resent", actor=actor, obj=email, kind=email.kind)

    email_resent.connect(resent, dispatch_uid="audit_email_resent", weak=False)


def register_recurring_jobs():
    """The automatic reminders, some days before a registration window closes (reminders.py):
    daily; a second run the same day sends nothing more (one reminder per person and day)."""
    import datetime

    from matricule.scheduling.registry import register

    from .reminders import send_automatic

    register("backoffice.send_automatic_reminders", datetime.timedelta(days=1), send_automatic)
