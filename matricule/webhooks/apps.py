from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "matricule.webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        import datetime

        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from matricule.api.models import ApiClient
        from matricule.audit.services import add_listener
        from matricule.registration.models import Student
        from matricule.scheduling.registry import register

        from . import delivery, events
        from .models import Subscription, forget_subscriptions

        # Every audited business change; the mapped ones become webhook events.
        add_listener(events.on_audit_event)
        # A student's identity is saved without an audit event of its own.
        pre_save.connect(events.remember_student_changes, sender=Student, dispatch_uid="webhooks.student_pre")
        post_save.connect(
            events.announce_student_changes, sender=Student, dispatch_uid="webhooks.student_post"
        )
        # The subscription table each business change reads is kept in the shared cache: any
        # change of a subscription, a client or the components it sees makes it read again.
        for model in (Subscription, ApiClient):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_subscriptions, sender=model, dispatch_uid=f"webhooks.forget.{model.__name__}"
                )
        m2m_changed.connect(
            forget_subscriptions,
            sender=ApiClient.components.through,
            dispatch_uid="webhooks.forget.components",
        )
        # Retries that are due, and deliveries whose task never ran or whose sender died.
        register("webhooks.deliver", datetime.timedelta(seconds=30), delivery.deliver_due)
