from django.db import models
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import actor_key


class Event(models.Model):
    """Append-only record of something that happened: who, what, on which object."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = actor_key(_("actor"))
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The address of the request that caused it (empty for tasks and commands).
    address = models.CharField(_("address"), max_length=64, blank=True)
    # The component the object belongs to, when it has one: a component's auditors read only
    # its events. No database constraint: the log outlives what it mentions.
    component = models.ForeignKey(
        "institution.Component",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("component"),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)
