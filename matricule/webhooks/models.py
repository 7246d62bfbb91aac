"""Webhook subscriptions of the API clients and the log of what was sent to them."""

import urllib.parse

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from matricule import generations
from matricule.modelkit import actor_key
from matricule.net import tls_or_loopback

from .catalogue import EVENT_TYPES
from .signing import new_secret


def check_target(url: str) -> None:
    """Payloads name students: they go over TLS, or in plain HTTP to this machine only (tests,
    a local relay)."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname or not tls_or_loopback(parts):
        raise ValidationError(_("The address must start with https:// (http:// only to this machine)."))


def check_events(value) -> None:
    if not isinstance(value, list) or not value or any(name not in EVENT_TYPES for name in value):
        raise ValidationError(_("Choose at least one event from the list."))


# The table of active subscriptions that every business change reads (events.subscribers), kept
# in the shared cache under this key.
SUBSCRIPTIONS_KEY = "webhooks:subscriptions"


def forget_subscriptions(**kwargs) -> None:
    """A subscription or an API client changed (a signal, or an update() that sends none): every
    process reads the table again once this commits."""
    generations.forget(SUBSCRIPTIONS_KEY)


class Subscription(models.Model):
    """What one API client wants to be told, and where. Its signing secret is drawn when it is
    made and shown in the admin, for the client to verify what it receives."""

    client = models.ForeignKey(
        "api.ApiClient",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("API client"),
    )
    url = models.URLField(_("target address"), max_length=500, validators=[check_target])
    events = models.JSONField(_("events"), default=list, validators=[check_events])
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("reason for disabling"), max_length=300, blank=True, editable=False)
    # The last delivery the receiver accepted: a delivery that fails for good after nothing got
    # through since it was made shows a receiver down for a day, and disables the subscription.
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = actor_key(_("created by"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["client__name", "pk"]

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"


class Delivery(models.Model):
    """One event for one subscription: sent, retried with back-off, delivered or failed. Its
    webhook id is the same on every attempt (and on a replay) so that the receiver can tell it
    has seen it already (at least once, never silently lost)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    webhook_id = models.CharField(_("webhook id"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40, db_index=True)
    # What the event is about, as written in the transaction of the change: the object, the
    # facts of the change itself (previous state, refund...) and when it happened. The rows of
    # one event (one per subscription) share its key, and the body made from them.
    event_key = models.CharField(_("event key"), max_length=32, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    # The JSON body exactly as sent, made at the first attempt (after the change committed, so it
    # shows what the transaction did, e.g. the student number given with the registration), then
    # signed as such on every attempt.
    body = models.TextField(_("body"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "sending", "delivered", "retrying", "failed"]),
                name="webhook_delivery_state_valid",
            ),
        ]
        indexes = [
            # The sweep reads the few rows not delivered yet, never the many delivered ones.
            models.Index(
                fields=["state", "next_attempt_at"],
                name="webhook_delivery_open_idx",
                condition=~models.Q(state__in=["delivered", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"


class Attempt(models.Model):
    """One POST of a delivery: what the receiver answered, or why nothing came back."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    # The start of the receiver's answer, to help its owner find what went wrong.
    response = models.CharField(_("response"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"
