from django.db import models
from django.utils.translation import gettext_lazy as _


class Email(models.Model):
    """The outbox and delivery log: one row per message, written in the caller's transaction
    before anything is sent, and marked sent only once the mail server has accepted it
    (delivery.py). `key` makes the same logical email one row however often it is asked for."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    to = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # False when what was sent held a link or an attachment that is not stored here: such a
    # message is made again by the task that made it (task_path, task_arguments), never from `body`.
    kept_in_full = models.BooleanField(_("kept in full"), default=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    task_path = models.CharField(_("made by the task"), max_length=200, blank=True)
    task_id = models.CharField(_("task run"), max_length=64, blank=True)
    task_arguments = models.JSONField(_("task arguments"), default=dict, blank=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "retrying", "failed"]),
                name="email_status_valid",
            ),
        ]
        indexes = [
            # The sweep reads the few rows not sent yet, never the many sent ones.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="email_unsent_idx",
                condition=~models.Q(status="sent"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to}"
