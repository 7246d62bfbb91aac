from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "matricule.webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        import datetime

        from django.db.models.signals import post_save, pre_save

        from matricule.audit.services import add_listener
        from matricule.registration.models import Student
        from matricule.scheduling.registry import register

        from . import delivery, events

        # Every audited business change; the mapped ones become webhook events.
        add_listener(events.on_audit_event)
        # A student's identity is saved without an audit event of its own.
        pre_save.connect(events.remember_student_changes, sender=Student, dispatch_uid="webhooks.student_pre")
        post_save.connect(
            events.announce_student_changes, sender=Student, dispatch_uid="webhooks.student_post"
        )
        # Retries that are due, and deliveries whose task never ran or whose sender died.
        register("webhooks.deliver", datetime.timedelta(seconds=30), delivery.deliver_due)
