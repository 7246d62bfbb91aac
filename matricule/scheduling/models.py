"""What the task workers share so that scheduled work runs once across them, and a dead worker's
task is taken up again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecurringJob(models.Model):
    """When a recurring job (registry.py) is next due; claimed by a conditional update, so that
    among many workers exactly one runs it each time."""

    name = models.CharField(_("name"), max_length=80, primary_key=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("recurring job")
        verbose_name_plural = _("recurring jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkerBeat(models.Model):
    """A task worker started with `manage.py run_worker`, and when it was last seen alive."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.worker_id
