"""Payment attempts (one row each) and every notification received about them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matricule.modelkit import actor_key, optional_key


class ManualMethod(models.TextChoices):
    """How a payment recorded by hand was taken."""

    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    CARD = "card", _("Bank card at the desk")
    TRANSFER = "transfer", _("Bank transfer")


class Payment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled instalment")
        CREATED = "created", _("Created")
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        FAILED = "failed", _("Refused")
        CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")
        TO_REVIEW = "to_review", _("To be checked by staff")
        REFUNDED = "refunded", _("Refunded")
        PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")

    class Anomaly(models.TextChoices):
        NONE = "", _("None")
        UNDERPAID = "underpaid", _("Amount lower than due")
        OVERPAID = "overpaid", _("Amount higher than due")
        CURRENCY = "currency", _("Wrong currency")
        DUPLICATE = "duplicate", _("Paid twice")
        NO_AMOUNT = "no_amount", _("Amount not given by the gateway")

    registration = models.ForeignKey(
        "registration.Registration",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("registration"),
    )
    reference = models.CharField(_("our reference"), max_length=40, unique=True)
    gateway = models.CharField(_("gateway"), max_length=20)
    manual = models.BooleanField(_("recorded by hand"), default=False)
    amount_cents = models.PositiveIntegerField(_("amount due (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    paid_cents = models.PositiveIntegerField(_("amount paid (cents)"), null=True, blank=True)
    refunded_cents = models.PositiveIntegerField(_("amount refunded (cents)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CREATED)
    anomaly = models.CharField(_("anomaly"), max_length=12, choices=Anomaly.choices, blank=True)
    # The fee this attempt pays: at most one confirmed attempt per fee.
    fee_key = models.CharField(_("fee paid"), max_length=40)
    transaction_id = models.CharField(_("gateway transaction"), max_length=100, blank=True)
    instalment = models.PositiveSmallIntegerField(_("instalment number"), null=True, blank=True)
    instalment_count = models.PositiveSmallIntegerField(_("number of instalments"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    recorded_by = actor_key(_("recorded by"))
    note = models.TextField(_("note"), blank=True)
    # Payments recorded by hand: how, and the cheque number or transfer reference (accounting).
    manual_method = models.CharField(
        _("means of payment"), max_length=10, choices=ManualMethod.choices, blank=True
    )
    manual_reference = models.CharField(_("cheque number or transfer reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fee_key"], condition=Q(status="confirmed"), name="payment_one_confirmed_per_fee"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "scheduled",
                        "created",
                        "pending",
                        "confirmed",
                        "failed",
                        "cancelled",
                        "to_review",
                        "refunded",
                        "partly_refunded",
                    ]
                ),
                name="payment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(refunded_cents=0)
                | Q(paid_cents__isnull=False, refunded_cents__lte=models.F("paid_cents")),
                name="payment_refund_not_above_paid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_final(self) -> bool:
        return self.status in MONEY_TAKEN


# The states of a payment through which money was taken (it may since have been refunded, in part
# or in full): the dashboard's money, the back office's refusal to give a paid form back.
MONEY_TAKEN = (
    Payment.Status.CONFIRMED,
    Payment.Status.TO_REVIEW,
    Payment.Status.PARTLY_REFUNDED,
    Payment.Status.REFUNDED,
)


class Notification(models.Model):
    """Everything a gateway said to us (or the browser brought back), verified or not."""

    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    gateway = models.CharField(_("gateway"), max_length=20)
    channel = models.CharField(_("channel"), max_length=12)  # "server", "browser", "lookup"
    payment = optional_key(Payment, related_name="notifications", verbose_name=_("payment"))
    reference = models.CharField(_("reference given"), max_length=100, blank=True)
    verified = models.BooleanField(_("authentic"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)
    amount_cents = models.IntegerField(_("amount"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    result = models.CharField(_("what we did"), max_length=40, blank=True)
    raw = models.TextField(_("raw content"), blank=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference} {self.result}"


class SimulatedBankTransaction(models.Model):
    """The payment simulator's own ledger (the 'bank' side), used for its look-ups."""

    transaction_id = models.CharField(max_length=32, unique=True)
    reference = models.CharField(max_length=100, db_index=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12)  # confirmed, failed, cancelled
    notify_url = models.URLField(max_length=500)
    return_url = models.URLField(max_length=500)
    refunded_cents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("simulated bank transaction")
        verbose_name_plural = _("simulated bank transactions")

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.reference} {self.status}"
