"""The year's configuration: university, components, academic years, programmes, windows, fees.

Everything here is data edited by an administrator; nothing about a given year is a constant
in code. Texts shown to students come in French and English (`*_fr`, `*_en`).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matricule.modelkit import optional_key, year_code, year_code_field


def localized(obj, field: str) -> str:
    """The English text when English is active and filled in, else the French one."""
    if (get_language() or "fr").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_fr")


class Localized(property):
    """A text kept in French and English (`<field>_fr`, `<field>_en`), read in the active
    language (`localized`): `label = Localized("label")` on a model with `label_fr`, `label_en`.
    A property, so that templates, the admin and Django's model init treat it as one."""

    def __init__(self, field: str):
        super().__init__(lambda obj: localized(obj, field))


class University(models.Model):
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    cvec_url = models.URLField(_("CVEC payment site"), default="https://www.messervices.etudiant.gouv.fr")
    helpline_phone = models.CharField(_("registration helpline phone"), max_length=40, blank=True)
    helpline_email = models.EmailField(_("registration helpline email"), blank=True)
    # The privacy notice (mentions d'information) names the controller and the data protection
    # officer: said here by the university, shown on /donnees-personnelles/.
    postal_address = models.TextField(_("postal address"), blank=True)
    dpo_email = models.EmailField(_("data protection officer's email"), blank=True)
    dpo_postal_address = models.TextField(
        _("data protection officer's postal address"), blank=True, help_text=_("Empty: the university's.")
    )
    # The accessibility statement (déclaration d'accessibilité, RGAA) on /accessibilite/: the
    # university's audit and contact. Left empty, the page says "no audit yet: non conforme".
    accessibility_email = models.EmailField(_("accessibility contact email"), blank=True)
    accessibility_contact_url = models.URLField(
        _("accessibility contact form"),
        blank=True,
        help_text=_("A page where people report an accessibility problem (optional)."),
    )
    accessibility_scheme_url = models.URLField(
        _("multi-year accessibility scheme"),
        blank=True,
        help_text=_("The address of the university's schéma pluriannuel de mise en accessibilité."),
    )
    accessibility_audit_date = models.DateField(_("date of the RGAA audit"), null=True, blank=True)
    accessibility_auditor = models.CharField(
        _("audit carried out by"),
        max_length=200,
        blank=True,
        help_text=_("The company or the university's department that carried out the audit."),
    )
    accessibility_criteria_met = models.PositiveSmallIntegerField(
        _("RGAA criteria met"), null=True, blank=True
    )
    accessibility_criteria_applicable = models.PositiveSmallIntegerField(
        _("RGAA criteria applicable"),
        null=True,
        blank=True,
        help_text=_("The audit's criteria that apply to the service (those not applicable left out)."),
    )
    accessibility_non_conformities_fr = models.TextField(
        _("non-conformities (French)"), blank=True, help_text=_("One per line, as the audit reports them.")
    )
    accessibility_non_conformities_en = models.TextField(_("non-conformities (English)"), blank=True)
    accessibility_exemptions_fr = models.TextField(
        _("exemptions for disproportionate burden (French)"),
        blank=True,
        help_text=_("One per line, with the reason and the accessible alternative offered."),
    )
    accessibility_exemptions_en = models.TextField(
        _("exemptions for disproportionate burden (English)"), blank=True
    )
    accessibility_statement_date = models.DateField(
        _("accessibility statement established on"), null=True, blank=True
    )
    accessibility_statement_updated = models.DateField(
        _("accessibility statement updated on"), null=True, blank=True
    )

    accessibility_non_conformities = Localized("accessibility_non_conformities")
    accessibility_exemptions = Localized("accessibility_exemptions")

    class Meta:
        verbose_name = _("university")
        verbose_name_plural = _("universities")
        constraints = [
            # An audit's result is both figures or neither, never more criteria met than apply.
            models.CheckConstraint(
                condition=Q(
                    accessibility_criteria_met__isnull=True, accessibility_criteria_applicable__isnull=True
                )
                | Q(
                    accessibility_criteria_met__isnull=False,
                    accessibility_criteria_applicable__isnull=False,
                    accessibility_criteria_applicable__gte=1,
                    accessibility_criteria_met__lte=models.F("accessibility_criteria_applicable"),
                ),
                name="university_accessibility_criteria",
                violation_error_message=_(
                    "Give both audit figures, with no more criteria met than criteria applicable."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def accessibility_conformity(self):
        """The RGAA conformity state its audit figures give (accessibility.conformity)."""
        from .accessibility import conformity

        return conformity(self.accessibility_criteria_met, self.accessibility_criteria_applicable)


class Component(models.Model):
    """A faculty, school or IUT with its own registrar's office (service de scolarité)."""

    university = models.ForeignKey(
        University, on_delete=models.PROTECT, related_name="components", verbose_name=_("university")
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    phones = models.CharField(
        _("phone numbers"), max_length=200, blank=True, help_text=_("Separate several numbers with commas.")
    )
    email = models.EmailField(_("registrar's email"))

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_list(self) -> list[str]:
        return [p.strip() for p in self.phones.split(",") if p.strip()]


class AcademicYearQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True).first()


class AcademicYear(models.Model):
    """An academic year and its registration campaign (runs from 1 September)."""

    code = year_code_field(_("code"), unique=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    is_current = models.BooleanField(
        _("current campaign"),
        default=False,
        help_text=_("The year whose registration page is shown at the site's address."),
    )
    cvec_amount_cents = models.PositiveIntegerField(_("CVEC amount (cents)"))
    cvec_from = models.DateField(_("CVEC payable from"), null=True, blank=True)
    instalments = models.PositiveSmallIntegerField(
        _("card payment in instalments"),
        default=1,
        help_text=_(
            "1: payment in full only; 3: students may also pay in three instalments, "
            "a month apart (the registration completes with the first)."
        ),
    )

    objects = AcademicYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="academic_year_one_current"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="academic_year_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        # Making a year current un-marks the previous one in the same transaction.
        if self.is_current:
            AcademicYear.objects.filter(is_current=True).exclude(pk=self.pk).update(is_current=False)
        super().save(*args, **kwargs)

    @property
    def first_year(self) -> int:
        return int(self.code[:4])

    def clean(self):
        errors = {}
        if self.code and year_code.regex.match(self.code):
            first, second = (int(part) for part in self.code.split("-"))
            if second != first + 1:
                errors["code"] = _("The second year must follow the first (e.g. 2024-2025).")
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = _("The last day must be after the first day.")
        if errors:
            raise ValidationError(errors)


class DiplomaType(models.TextChoices):
    BUT = "BUT", _("BUT (bachelor of technology)")
    LICENCE = "LICENCE", _("Licence (bachelor)")
    LICENCE_PRO = "LICENCE_PRO", _("Professional licence")
    MASTER = "MASTER", _("Master")
    DOCTORATE = "DOCTORATE", _("Doctorate")
    ENGINEERING = "ENGINEERING", _("Engineering degree")
    DU = "DU", _("University diploma (DU)")


class Programme(models.Model):
    """A diploma taught by a component (e.g. BUT Génie électrique et informatique industrielle)."""

    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("component")
    )
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    diploma_type = models.CharField(_("diploma type"), max_length=16, choices=DiplomaType.choices)
    is_active = models.BooleanField(_("open for registration"), default=True)
    accepts_additional = models.BooleanField(
        _("accepts additional registrations"),
        default=False,
        help_text=_(
            "Students registered in another programme this year may add this one (at the reduced rate)."
        ),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["component__name", "name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One year of a programme (étape), the unit a student registers in: BUT1, BUT2…"""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="stages", verbose_name=_("programme")
    )
    code = models.CharField(
        _("stage code"),
        max_length=30,
        unique=True,
        help_text=_("The code used in results files (e.g. GEII-1)."),
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("year of study"), default=1)
    parcoursup_code = models.CharField(
        _("Parcoursup offer code"),
        max_length=30,
        blank=True,
        help_text=_("Admitted candidates on this Parcoursup offer register in this stage."),
    )
    next_stage = optional_key("self", related_name="previous_stages", verbose_name=_("next stage"))

    class Meta:
        verbose_name = _("programme stage")
        verbose_name_plural = _("programme stages")
        ordering = ["programme__name", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["parcoursup_code"],
                condition=~Q(parcoursup_code=""),
                name="stage_unique_parcoursup_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def component(self) -> Component:
        return self.programme.component

    def clean(self):
        if self.next_stage_id and self.pk and self.next_stage_id == self.pk:
            raise ValidationError({"next_stage": _("A stage cannot be its own next stage.")})


class Population(models.TextChoices):
    """Who a registration window is for."""

    FIRST_MAIN = "first_main", _("First registration, main phase")
    FIRST_SECOND = "first_second", _("First registration, second period")
    REREGISTRATION = "reregistration", _("Re-registration")


class RegistrationWindowQuerySet(models.QuerySet):
    def open_at(self, moment: datetime.datetime):
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)


class RegistrationWindow(models.Model):
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="windows", verbose_name=_("academic year")
    )
    population = models.CharField(_("population"), max_length=20, choices=Population.choices)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    components = models.ManyToManyField(
        Component,
        blank=True,
        related_name="windows",
        verbose_name=_("components"),
        help_text=_("Leave empty for a window that applies to every component."),
    )
    note_fr = models.TextField(_("note (French)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)
    note = Localized("note")

    objects = RegistrationWindowQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration window")
        verbose_name_plural = _("registration windows")
        ordering = ["opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="window_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(population__in=["first_main", "first_second", "reregistration"]),
                name="window_population_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} · {self.get_population_display()}"

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The window must close after it opens.")})

    def is_open(self, moment: datetime.datetime | None = None) -> bool:
        moment = moment or timezone.now()
        return self.opens_at <= moment < self.closes_at


class FeeSchedule(models.Model):
    """National registration fees of a year for one diploma type, in integer cents."""

    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="fee_schedules", verbose_name=_("academic year")
    )
    diploma_type = models.CharField(_("diploma type"), max_length=16, choices=DiplomaType.choices)
    full_rate_cents = models.PositiveIntegerField(_("full rate (cents)"))
    reduced_rate_cents = models.PositiveIntegerField(
        _("reduced rate (cents)"),
        null=True,
        blank=True,
        help_text=_("For an additional registration in the same year."),
    )
    differentiated_rate_cents = models.PositiveIntegerField(
        _("differentiated rate (cents)"),
        null=True,
        blank=True,
        help_text=_("For first-time non-EU students subject to differentiated fees."),
    )

    class Meta:
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        ordering = ["academic_year", "diploma_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "diploma_type"], name="fee_schedule_unique_year_diploma"
            ),
            models.CheckConstraint(
                condition=Q(reduced_rate_cents__isnull=True)
                | Q(reduced_rate_cents__lte=models.F("full_rate_cents")),
                name="fee_schedule_reduced_not_above_full",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} · {self.get_diploma_type_display()}"

    def clean(self):
        if (
            self.reduced_rate_cents is not None
            and self.full_rate_cents is not None
            and self.reduced_rate_cents > self.full_rate_cents
        ):
            raise ValidationError({"reduced_rate_cents": _("The reduced rate cannot exceed the full rate.")})


class OfflinePopulation(models.Model):
    """A population that may not register online and is sent to the desk instead."""

    class Kind(models.TextChoices):
        CONTINUING_EDUCATION = "continuing_education", _("Continuing education trainees")
        EXCHANGE = "exchange", _("Exchange programme students")
        NON_EU_FIRST = "non_eu_first", _("Non-EU students, first registration")

    university = models.ForeignKey(
        University, on_delete=models.CASCADE, related_name="offline_populations", verbose_name=_("university")
    )
    kind = models.CharField(_("population"), max_length=30, choices=Kind.choices)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    label = Localized("label")
    message_fr = models.TextField(_("message shown to them (French)"))
    message_en = models.TextField(_("message shown to them (English)"), blank=True)
    message = Localized("message")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("population registered at the desk")
        verbose_name_plural = _("populations registered at the desk")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["university", "kind"], name="offline_population_unique_kind"),
        ]

    def __str__(self) -> str:
        return self.label_fr


class AssistancePeriod(models.Model):
    """Phone assistance offered during a year's campaign, by a component's registrar or,
    with no component, by the university's central registration helpline."""

    academic_year = models.ForeignKey(
        AcademicYear,
        on_delete=models.CASCADE,
        related_name="assistance_periods",
        verbose_name=_("academic year"),
    )
    component = optional_key(
        Component,
        on_delete=models.CASCADE,
        related_name="assistance_periods",
        verbose_name=_("component"),
        help_text=_("Leave empty for the university's central registration helpline."),
    )
    starts_on = models.DateField(_("start date"), null=True, blank=True)
    ends_on = models.DateField(_("end date"))
    hours_fr = models.TextField(_("hours (French)"), blank=True)
    hours_en = models.TextField(_("hours (English)"), blank=True)
    hours = Localized("hours")

    class Meta:
        verbose_name = _("phone assistance period")
        verbose_name_plural = _("phone assistance periods")
        ordering = ["academic_year", "component__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "component"], name="assistance_unique_year_component"
            ),
            models.UniqueConstraint(
                fields=["academic_year"],
                condition=Q(component__isnull=True),
                name="assistance_unique_year_helpline",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assistance_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.academic_year} · {self.component or _('central helpline')}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The period must not end before it starts.")})
