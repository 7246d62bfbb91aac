"""What the personal-data app keeps of its own: the student's downloads of their data (GDPR
right of access and portability), prepared in the background and deleted after a while."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def export_path(instance, filename) -> str:
    # Server-generated names only: the file holds everything about a person.
    return f"data-exports/{uuid.uuid4().hex}.zip"


class DataExport(models.Model):
    """One download of a person's data: asked for, prepared by a task (`data_export.py`), kept
    until it expires. A new request replaces a ready or failed one."""

    class State(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("data export state", "Being prepared")
        READY = "ready", pgettext_lazy("data export state", "Ready")
        FAILED = "failed", pgettext_lazy("data export state", "Failed")

    # The account, not the student record: an admitted candidate who has not registered yet has
    # data too (the admission, the account).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("account"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    # The language of the summary: the one the student used when asking.
    language = models.CharField(_("language"), max_length=8, default="fr")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    # Set when asked (a request never prepared is purged too), then counted again from `ready_at`.
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    file = models.FileField(_("file"), upload_to=export_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    # What went wrong, as the kind of error only (the message could quote personal data).
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One export being prepared per person: a double click or a second tab asks once.
            models.UniqueConstraint(
                fields=["user"], condition=Q(state="requested"), name="data_export_one_in_progress"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "ready", "failed"]), name="data_export_state_valid"
            ),
            # Ready means a file and when it was made.
            models.CheckConstraint(
                condition=~Q(state="ready") | (Q(ready_at__isnull=False) & ~Q(file="")),
                name="data_export_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_state_display()} · {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def downloadable(self) -> bool:
        return self.state == self.State.READY and bool(self.file) and self.expires_at > timezone.now()
