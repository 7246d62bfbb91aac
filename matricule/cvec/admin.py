from django import forms
from django.contrib import admin

from .checks import check_format, normalize_number
from .models import SimulatedAttestation

_number_field = SimulatedAttestation._meta.get_field("number")

# What an administrator types for a simulated attestation, in the order of the admin form.
FIELDS = [
    "number",
    "academic_year_code",
    "crous",
    "last_name",
    "usage_name",
    "first_names",
    "birth_date",
    "ine",
    "valid",
    "exempt",
    "exemption_reason",
]


class SimulatedAttestationForm(forms.ModelForm):
    # Room for the number as printed ("TOU5 01234567"); stored without the space.
    number = forms.CharField(
        label=_number_field.verbose_name, help_text=_number_field.help_text, max_length=20
    )

    class Meta:
        model = SimulatedAttestation
        fields = FIELDS

    def clean_number(self):
        # Normalized before the uniqueness check, which compares stored (normalized) numbers.
        return check_format(self.cleaned_data["number"])


@admin.register(SimulatedAttestation)
class SimulatedAttestationAdmin(admin.ModelAdmin):
    form = SimulatedAttestationForm
    list_display = [
        "number",
        "last_name",
        "first_names",
        "birth_date",
        "academic_year_code",
        "valid",
        "exempt",
        "crous",
        "created_at",
    ]
    list_filter = ["academic_year_code", "valid", "exempt", "crous"]
    search_fields = ["number", "last_name", "usage_name", "first_names", "ine"]
    readonly_fields = ["created_at"]
    fields = [*FIELDS, "created_at"]

    def get_search_results(self, request, queryset, search_term):
        # Numbers are searched as printed on the attestation ("TOU5 01234567").
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = normalize_number(search_term)
        if number and number != search_term:
            results |= queryset.filter(number=number)
        return results, may_have_duplicates
