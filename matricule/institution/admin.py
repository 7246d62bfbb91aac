from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from matricule.adminkit import euros
from matricule.audit.services import record

from .models import (
    AcademicYear,
    AssistancePeriod,
    Component,
    FeeSchedule,
    OfflinePopulation,
    Programme,
    RegistrationWindow,
    Stage,
    University,
)

admin.site.site_header = _("Matricule administration")
admin.site.site_title = _("Matricule")
admin.site.index_title = _("Configuration of the university and its academic years")


class AuditedAdmin(admin.ModelAdmin):
    """Configuration changes are recorded in the audit trail."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = "changed" if change else "created"
        record(
            f"institution.{obj._meta.model_name}.{action}",
            actor=request.user,
            obj=obj,
            fields=sorted(form.changed_data),
        )


class OfflinePopulationInline(admin.StackedInline):
    model = OfflinePopulation
    extra = 0


@admin.register(University)
class UniversityAdmin(AuditedAdmin):
    list_display = ["name", "helpline_phone", "helpline_email"]
    inlines = [OfflinePopulationInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "website", "cvec_url", "helpline_phone", "helpline_email"]}),
        (_("Privacy notice"), {"fields": ["postal_address", "dpo_email", "dpo_postal_address"]}),
        (
            _("Accessibility statement"),
            {
                "description": _(
                    "Shown on the accessibility statement page. Without an audit (both criteria "
                    "figures), the service is declared non conforme, as the RGAA requires."
                ),
                "fields": [
                    "accessibility_email",
                    "accessibility_contact_url",
                    "accessibility_scheme_url",
                    ("accessibility_audit_date", "accessibility_auditor"),
                    ("accessibility_criteria_met", "accessibility_criteria_applicable"),
                    "accessibility_non_conformities_fr",
                    "accessibility_non_conformities_en",
                    "accessibility_exemptions_fr",
                    "accessibility_exemptions_en",
                    ("accessibility_statement_date", "accessibility_statement_updated"),
                ],
            },
        ),
    ]


@admin.register(Component)
class ComponentAdmin(AuditedAdmin):
    list_display = ["name", "code", "city", "email", "phones"]
    search_fields = ["name", "code", "city"]
    fieldsets = [
        (None, {"fields": ["university", "code", "name"]}),
        (_("Registrar's office"), {"fields": ["street", "postal_code", "city", "phones", "email"]}),
    ]


class RegistrationWindowInline(admin.TabularInline):
    model = RegistrationWindow
    extra = 0
    fields = ["population", "opens_at", "closes_at", "components", "note_fr", "note_en"]
    filter_horizontal = ["components"]


class FeeScheduleInline(admin.TabularInline):
    model = FeeSchedule
    extra = 0


class AssistancePeriodInline(admin.TabularInline):
    model = AssistancePeriod
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(AuditedAdmin):
    list_display = [
        "code",
        "starts_on",
        "ends_on",
        "is_current",
        euros("cvec_amount_cents", _("CVEC amount")),
    ]
    list_filter = ["is_current"]
    inlines = [RegistrationWindowInline, FeeScheduleInline, AssistancePeriodInline]


@admin.register(RegistrationWindow)
class RegistrationWindowAdmin(AuditedAdmin):
    list_display = ["academic_year", "population", "opens_at", "closes_at"]
    list_filter = ["academic_year", "population"]
    filter_horizontal = ["components"]


@admin.register(FeeSchedule)
class FeeScheduleAdmin(AuditedAdmin):
    list_display = [
        "academic_year",
        "diploma_type",
        euros("full_rate_cents", _("full rate")),
        euros("reduced_rate_cents", _("reduced rate")),
        euros("differentiated_rate_cents", _("differentiated rate")),
    ]
    list_filter = ["academic_year", "diploma_type"]


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fk_name = "programme"
    fields = ["code", "name", "level", "parcoursup_code", "next_stage"]


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ["name", "code", "diploma_type", "component", "is_active", "accepts_additional"]
    list_filter = ["component", "diploma_type", "is_active"]
    search_fields = ["name", "code"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(AuditedAdmin):
    list_display = ["code", "name", "programme", "level", "parcoursup_code", "next_stage"]
    list_filter = ["programme__component", "level"]
    search_fields = ["code", "name", "parcoursup_code"]


@admin.register(AssistancePeriod)
class AssistancePeriodAdmin(AuditedAdmin):
    list_display = ["academic_year", "component", "starts_on", "ends_on"]
    list_filter = ["academic_year"]
