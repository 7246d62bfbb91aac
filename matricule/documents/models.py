"""Supporting documents: what is required of a registration, what the student uploaded, and
the registrar's decision on each."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matricule.institution.models import Localized
from matricule.modelkit import actor_key, optional_key


class DocumentType(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    name = Localized("name")
    help_fr = models.TextField(_("help (French)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    help = Localized("help")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    renew_every_year = models.BooleanField(
        _("asked again every year"),
        default=False,
        help_text=_("For re-registrations: e.g. the CVEC attestation, the grant notification."),
    )

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name_fr


class Condition(models.TextChoices):
    ALWAYS = "always", _("Always")
    GRANT_HOLDER = "grant_holder", _("Grant holder")
    PUPILLE = "pupille", _("Pupille de la Nation")
    FRENCH_BAC = "french_bac", _("French baccalaureate")
    EQUIVALENT_DIPLOMA = "equivalent_diploma", _("Equivalent diploma instead of the baccalaureate")
    ATHLETE = "athlete", _("High-level athlete")
    ACCOMMODATION = "accommodation", _("Asks for study accommodation")
    CVEC_CONCERNED = "cvec_concerned", _("Pays the CVEC (not continuing education or exchange)")


class Requirement(models.Model):
    """In a year, a document type is required of registrations meeting the condition."""

    academic_year = models.ForeignKey(
        "institution.AcademicYear",
        on_delete=models.CASCADE,
        related_name="document_requirements",
        verbose_name=_("academic year"),
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("document type")
    )
    condition = models.CharField(
        _("required when"), max_length=24, choices=Condition.choices, default=Condition.ALWAYS
    )

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "document_type", "condition"], name="requirement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} · {self.document_type} · {self.get_condition_display()}"


class RefusalReason(models.Model):
    """The registrar's usual reasons, chosen from a list (plus free text)."""

    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    label = Localized("label")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("refusal reason")
        verbose_name_plural = _("refusal reasons")
        ordering = ["order", "label_fr"]

    def __str__(self) -> str:
        return self.label_fr


class Submission(models.Model):
    """One required document of one registration, and where it stands."""

    class Status(models.TextChoices):
        MISSING = "missing", _("To upload")
        SUBMITTED = "submitted", _("Waiting for review")
        VALIDATED = "validated", pgettext_lazy("document status", "Validated")
        REFUSED = "refused", pgettext_lazy("document status", "Refused")

    registration = models.ForeignKey(
        "registration.Registration",
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name=_("registration"),
    )
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("document type")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.MISSING)
    reason = optional_key(RefusalReason, verbose_name=_("reason"))
    comment = models.TextField(_("comment to the student"), blank=True)
    reviewed_by = actor_key(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    # An identity document expires; the reviewer may note when, so that a later re-registration
    # asks for it again only then. Empty: valid until further notice.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Validated last year and still valid: carried over instead of asked again.
    carried_from = optional_key("self", related_name="+", verbose_name=_("carried over from"))

    class Meta:
        verbose_name = _("supporting document")
        verbose_name_plural = _("supporting documents")
        ordering = ["document_type__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "document_type"], name="submission_unique_per_registration"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["missing", "submitted", "validated", "refused"]),
                name="submission_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="submission_queue")]

    def __str__(self) -> str:
        return f"{self.registration_id} · {self.document_type.code} · {self.status}"

    @property
    def replaceable(self) -> bool:
        return self.status in (self.Status.MISSING, self.Status.SUBMITTED, self.Status.REFUSED)


def version_path(instance, filename) -> str:
    # Server-generated names only: nothing the student chose reaches the file system.
    return f"documents/{instance.submission.registration_id}/{uuid.uuid4().hex}{instance.extension}"


class Version(models.Model):
    """One upload of a document; every version is kept."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="versions", verbose_name=_("document")
    )
    file = models.FileField(_("file"), upload_to=version_path, max_length=200)
    extension = models.CharField(max_length=5)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Why no preview could be made ("memory", "time", "crashed", "invalid"): not tried again.
    preview_error = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.submission} · {self.uploaded_at:%Y-%m-%d %H:%M}"


class ReviewClaim(models.Model):
    """An agent reviewing a registration's documents; expires so nobody holds it for ever."""

    registration = models.OneToOneField(
        "registration.Registration", on_delete=models.CASCADE, related_name="review_claim"
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("review claim")
        verbose_name_plural = _("review claims")

    def __str__(self) -> str:
        return f"{self.registration_id} · {self.agent_id}"


def preview_path(instance, filename) -> str:
    extension = ".png" if instance.content_type == "image/png" else ".jpg"
    return f"previews/{instance.version.submission.registration_id}/{uuid.uuid4().hex}{extension}"


class Preview(models.Model):
    """A page of a version as an image for the review screen: rendered once, then served as is."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="previews")
    page = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=preview_path, max_length=200)
    content_type = models.CharField(max_length=50)

    class Meta:
        verbose_name = _("preview")
        verbose_name_plural = _("previews")
        ordering = ["version", "page"]
        constraints = [models.UniqueConstraint(fields=["version", "page"], name="preview_unique_page")]

    def __str__(self) -> str:
        return f"{self.version_id} · {self.page}"
