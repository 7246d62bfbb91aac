"""Attestations known to the CVEC simulator, the stand-in for the CNOUS service.

Nothing here is used when MATRICULE_CVEC_BACKEND is "cnous": the real attestations live at
the CNOUS, and the university keeps only the number a student gave.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import year_code_field

from .checks import validate_number
from .service import Attestation, normalize_number


class SimulatedAttestation(models.Model):
    """One attestation as the simulator answers it (edited in the admin, seeded by the demo)."""

    number = models.CharField(
        _("attestation number"),
        max_length=12,
        unique=True,
        validators=[validate_number],
        help_text=_("For example TOU5 01234567."),
    )
    last_name = models.CharField(_("last name"), max_length=150)
    usage_name = models.CharField(_("name of use"), max_length=150, blank=True)
    first_names = models.CharField(_("first names"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    ine = models.CharField(_("INE"), max_length=11, blank=True)
    crous = models.CharField(_("CROUS"), max_length=100)
    academic_year_code = year_code_field(_("academic year"))
    valid = models.BooleanField(_("valid"), default=True)
    exempt = models.BooleanField(
        _("exempt"),
        default=False,
        help_text=_("Scholarship holders, refugees, etc.: exempted, but they still have an attestation."),
    )
    exemption_reason = models.CharField(_("exemption reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("simulated CVEC attestation")
        verbose_name_plural = _("simulated CVEC attestations")
        ordering = ["-created_at", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.last_name} {self.first_names}"

    def save(self, *args, **kwargs):
        # Stored as the service would be asked: the lookup is an exact match.
        self.number = normalize_number(self.number)
        self.ine = normalize_number(self.ine)
        super().save(*args, **kwargs)

    def to_attestation(self) -> Attestation:
        return Attestation(
            number=self.number,
            last_name=self.last_name,
            usage_name=self.usage_name,
            first_names=self.first_names,
            birth_date=self.birth_date,
            ine=self.ine,
            crous=self.crous,
            academic_year_code=self.academic_year_code,
            valid=self.valid,
            exempt=self.exempt,
            exemption_reason=self.exemption_reason,
        )
