import datetime

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from matricule.adminkit import NoAddMixin, euros

from . import services
from .gateways.base import GatewayError
from .models import Notification, Payment, SimulatedBankTransaction


class NotificationInline(NoAddMixin, admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["received_at", "channel", "verified", "outcome", "amount_cents", "currency", "result"]
    readonly_fields = fields


class PendingFilter(admin.SimpleListFilter):
    """Attempts pending for longer than the back office dashboard's delay, by what can settle them:
    those whose gateway offers no look-up here, or whose look-up failed, wait for staff (who check
    them in the gateway's back office); `manage.py reconcile_payments` lists them too."""

    title = _("pending for a while")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        minutes = {"minutes": services.attention_minutes()}
        return [
            ("no_lookup", _("Over %(minutes)s minutes, gateway without look-up") % minutes),
            ("lookup_failed", _("Over %(minutes)s minutes, look-up failed") % minutes),
            ("all", _("Over %(minutes)s minutes") % minutes),
        ]

    def queryset(self, request, queryset):
        delay = datetime.timedelta(minutes=services.attention_minutes())
        chosen = {
            "no_lookup": services.pending_without_lookup,
            "lookup_failed": services.pending_lookup_failed,
            "all": services.pending_past,
        }.get(self.value())
        if chosen is None:
            return queryset
        return queryset.filter(pk__in=chosen(delay).values("pk"))


AMOUNT_DUE = euros("amount_cents", _("amount due"))
AMOUNT_PAID = euros("paid_cents", _("amount paid"))
AMOUNT_REFUNDED = euros("refunded_cents", _("amount refunded"))


@admin.register(Payment)
class PaymentAdmin(NoAddMixin, admin.ModelAdmin):
    """Over-, under- and duplicate payments wait here (status "to be checked") for staff, and so do
    attempts left pending that no gateway look-up settles (the "pending for a while" filter)."""

    list_display = [
        "reference",
        "registration",
        "gateway",
        "manual_method",
        AMOUNT_DUE,
        AMOUNT_PAID,
        "status",
        "anomaly",
        "manual",
        "created_at",
    ]
    list_filter = [PendingFilter, "status", "anomaly", "gateway", "manual"]
    search_fields = ["reference", "transaction_id", "registration__student__student_number"]
    # Every field shown as kept, but the amounts in euros.
    readonly_fields = fields = [
        {"amount_cents": AMOUNT_DUE, "paid_cents": AMOUNT_PAID, "refunded_cents": AMOUNT_REFUNDED}.get(
            f.name, f.name
        )
        for f in Payment._meta.fields
    ]
    inlines = [NotificationInline]
    actions = ["refund_in_full"]

    @admin.action(description=_("Refund in full (through the gateway when it can, else recorded by hand)"))
    def refund_in_full(self, request, queryset):
        for payment in queryset:
            remaining = (payment.paid_cents or 0) - payment.refunded_cents
            gateway = payment.gateway != "manual" and services.gateway_for(payment.gateway).supports_refund
            try:
                services.record_refund(
                    payment, amount_cents=remaining, actor=request.user, through_gateway=gateway
                )
            except (services.PaymentError, GatewayError) as error:  # the bank refused: say so
                self.message_user(request, f"{payment.reference}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(reference)s refunded.") % {"reference": payment.reference})


@admin.register(Notification)
class NotificationAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ["received_at", "gateway", "channel", "reference", "verified", "outcome", "result"]
    list_filter = ["gateway", "verified", "channel"]
    search_fields = ["reference"]
    readonly_fields = [f.name for f in Notification._meta.fields]


admin.site.register(SimulatedBankTransaction)
