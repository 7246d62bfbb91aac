"""What the back office keeps of its own: each agent's export column choices and the large
exports prepared in the background."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExportPreference(models.Model):
    """The columns an agent last chose for one export, preselected next time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_preferences",
        verbose_name=_("user"),
    )
    exporter = models.CharField(_("export"), max_length=30)
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("export preference")
        verbose_name_plural = _("export preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "exporter"], name="export_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.exporter}"


def export_path(instance, filename) -> str:
    # Server-chosen, unguessable names: the file holds personal data.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"exports/{uuid.uuid4().hex}.{extension}"


class ExportJob(models.Model):
    """An export too large to stream at once, prepared by a task for its requester only."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (semicolon separated)")
        XLSX = "xlsx", _("Excel (XLSX)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("requested by"),
    )
    exporter = models.CharField(_("export"), max_length=30)
    # Year, filters and columns as chosen (primary keys and codes, JSON-serialisable).
    params = models.JSONField(_("parameters"), default=dict)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(_("language"), max_length=8, default="fr")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to=export_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=120, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="export_job_status_valid",
            ),
            models.CheckConstraint(condition=Q(format__in=["csv", "xlsx"]), name="export_job_format_valid"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="export_job_user_created")]

    def __str__(self) -> str:
        return f"{self.exporter} · {self.user} · {self.get_status_display()}"

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)


class DeskDayClose(models.Model):
    """The close of a desk's cash journal for one day: the totals by means of payment as they
    stood, and the cash the agent counted in the till. Closing again (a payment recorded after
    the close) replaces it; every close is in the audit trail."""

    component = models.ForeignKey(
        "institution.Component", on_delete=models.PROTECT, related_name="+", verbose_name=_("component")
    )
    day = models.DateField(_("day"))
    # {method: {"count": n, "cents": c}} and "total": {...}, as shown when it was closed.
    totals = models.JSONField(_("totals"), default=dict)
    payments = models.PositiveIntegerField(_("payments"), default=0)
    counted_cash_cents = models.PositiveIntegerField(_("cash counted (cents)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )

    class Meta:
        verbose_name = _("desk day close")
        verbose_name_plural = _("desk day closes")
        constraints = [models.UniqueConstraint(fields=["component", "day"], name="desk_day_close_unique")]

    def __str__(self) -> str:
        return f"{self.component} · {self.day}"


class Reminder(models.Model):
    """A reminder emailed to one person (a student, or an admitted candidate who has not started)
    on one day: the unique constraints make it at most one per person and day, so that two agents
    at once, a list sent twice or a task run again never email the same person twice."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Sent by staff")
        AUTOMATIC = "automatic", _("Automatic")

    student = models.ForeignKey(
        "registration.Student",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student"),
    )
    candidate = models.ForeignKey(
        "admissions.Candidate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("admitted candidate"),
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            # One person each: a student, or a candidate with no student record yet.
            models.CheckConstraint(
                condition=Q(student__isnull=False, candidate__isnull=True)
                | Q(student__isnull=True, candidate__isnull=False),
                name="reminder_one_person",
            ),
            models.CheckConstraint(condition=Q(kind__in=["manual", "automatic"]), name="reminder_kind_valid"),
            models.UniqueConstraint(fields=["student", "day"], name="reminder_student_day_unique"),
            models.UniqueConstraint(fields=["candidate", "day"], name="reminder_candidate_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id or self.candidate_id} · {self.day}"


class DashboardSummary(models.Model):
    """The dashboard's summary of one academic year (what the registration counts do not hold:
    admitted candidates, documents, money), as the task queue last computed it. A row of the
    database rather than a cache entry: every process and machine reads the same one, whatever
    the cache (a per-process memory cache would have each compute its own on the request path).
    `queued_at` marks a refresh asked of the task queue, so that page views ask for one at a
    time."""

    # The academic year's id, 0 when there is no current year (the documents waiting only).
    key = models.PositiveIntegerField(_("academic year"), primary_key=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    queued_at = models.DateTimeField(_("refresh asked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard summary")
        verbose_name_plural = _("dashboard summaries")

    def __str__(self) -> str:
        return f"{self.key} · {self.computed_at}"
