from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "matricule.payments"
    verbose_name = _("Payments")

    def ready(self):
        import datetime

        from matricule.scheduling.registry import register

        from .instalments import follow_up
        from .services import reconcile

        # A lost or late bank notification: ask the gateway about attempts pending for 5 minutes.
        register("payments.reconcile", datetime.timedelta(minutes=2), reconcile)
        # Instalments due soon or overdue: the students are told, once a day.
        register("payments.instalments", datetime.timedelta(days=1), follow_up)
