"""Every official PDF handed out is recorded: serial, what it certifies, valid or revoked."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import actor_key


class IssuedDocument(models.Model):
    class Kind(models.TextChoices):
        SUMMARY = "summary", _("Registration summary")
        RECEIPT = "receipt", _("Payment receipt")
        CERTIFICATE = "certificate", _("Enrolment certificate")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    serial = models.CharField(_("serial number"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    registration = models.ForeignKey(
        "registration.Registration",
        on_delete=models.PROTECT,
        related_name="issued_documents",
        verbose_name=_("registration"),
    )
    language = models.CharField(_("language"), max_length=2, default="fr")
    # What the document certifies, as printed: compared to decide whether to issue it again.
    data = models.JSONField(_("certified data"))
    data_hash = models.CharField(max_length=64)
    file = models.FileField(_("file"), upload_to="issued/%Y/", max_length=200)
    signed = models.BooleanField(_("digitally signed"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.VALID)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    # The least the public verification page needs, kept when the retention schedule purges the
    # registration (privacy.retention): `data` and the file go, these stay.
    holder_initials = models.CharField(_("holder's initials"), max_length=12, blank=True)
    academic_year_code = models.CharField(_("academic year"), max_length=9, blank=True)
    stage_name = models.CharField(_("programme stage"), max_length=200, blank=True)
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at"]
        constraints = [
            # At most one valid document of each kind and language per registration.
            models.UniqueConstraint(
                fields=["registration", "kind", "language"],
                condition=Q(status="valid"),
                name="issued_one_valid_per_kind",
            ),
            models.CheckConstraint(condition=Q(status__in=["valid", "revoked"]), name="issued_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} · {self.get_kind_display()}"

    @property
    def purged(self) -> bool:
        return self.purged_at is not None


def initials(first_names: str, last_name: str) -> str:
    """The holder as the verification page of a purged document shows them: the first letter
    of the first first name, then of the birth name ("C. D." for Chloé Marie DUPONT)."""
    first = (first_names or "").split()
    names = [first[0] if first else "", (last_name or "").strip()]
    return " ".join(f"{name[0].upper()}." for name in names if name)


class Letterhead(models.Model):
    """The signatory and logo printed on certificates, per component (or university-wide)."""

    component = models.OneToOneField(
        "institution.Component",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="letterhead",
        verbose_name=_("component"),
        help_text=_("Leave empty for the university's default."),
    )
    logo = models.FileField(_("logo (PNG)"), upload_to="letterheads/", blank=True)
    signatory_name = models.CharField(_("signatory's name"), max_length=150)
    signatory_title_fr = models.CharField(_("signatory's title (French)"), max_length=200)
    signatory_title_en = models.CharField(_("signatory's title (English)"), max_length=200, blank=True)
    city = models.CharField(_('city ("issued at")'), max_length=100)

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")
        constraints = [
            models.UniqueConstraint(
                fields=["component"], condition=Q(component__isnull=True), name="letterhead_one_default"
            )
        ]

    def __str__(self) -> str:
        return str(self.component or _("University default"))


class BulkGeneration(models.Model):
    """Staff ask for the certificates of a whole programme stage; a task makes them."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("In progress")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    stage = models.ForeignKey(
        "institution.Stage", on_delete=models.CASCADE, verbose_name=_("programme stage")
    )
    academic_year = models.ForeignKey(
        "institution.AcademicYear", on_delete=models.CASCADE, verbose_name=_("academic year")
    )
    requested_by = actor_key(_("requested by"))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("certificates to make"), default=0)
    done = models.PositiveIntegerField(_("certificates made"), default=0)
    skipped = models.PositiveIntegerField(_("registrations not complete yet"), default=0)

    class Meta:
        verbose_name = _("bulk certificate generation")
        verbose_name_plural = _("bulk certificate generations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stage} · {self.done}/{self.total}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
