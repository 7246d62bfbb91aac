from django import forms
from django.utils.translation import gettext_lazy as _

from matricule.accounts.staff import can_act
from matricule.backoffice.models import ExportJob
from matricule.institution.models import AcademicYear

from .base import Exporter
from .services import ExportRequest


class ExportForm(forms.Form):
    """Year, the exporter's filters (fields named after them), columns and format."""

    year = forms.ChoiceField(label=_("Academic year"))
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one column.")},
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportJob.Format.choices,
        widget=forms.RadioSelect,
        initial=ExportJob.Format.XLSX,
    )

    def __init__(self, exporter: Exporter, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exporter = exporter
        # Read once (a model choice field would query again to render and to validate).
        self.years = {str(year.pk): year for year in AcademicYear.objects.all()}
        self.fields["year"].choices = [(pk, year.code) for pk, year in self.years.items()]
        if not self.is_bound and "year" not in self.initial:
            current = next((year for year in self.years.values() if year.is_current), None)
            self.initial["year"] = current.pk if current else None
        # Readers (auditors) are not offered the personal columns (birth date, contacts).
        personal = can_act(user)
        self.fields["columns"].choices = [
            (column.code, column.label) for column in exporter.columns if personal or not column.personal
        ]
        for spec in exporter.filters:
            self.fields[spec.code] = forms.ChoiceField(
                label=spec.label, required=False, choices=[("", _("All (no filter)"))] + spec.choices(user)
            )
        # Filters first, after the year: the order the page shows them in.
        order = ["year", *(spec.code for spec in exporter.filters), "columns", "format"]
        self.order_fields(order)

    def clean_year(self):
        return self.years[self.cleaned_data["year"]]

    @property
    def filter_fields(self):
        return [self[spec.code] for spec in self.exporter.filters]

    def export_request(self) -> ExportRequest:
        data = self.cleaned_data
        wanted = set(data["columns"])
        return ExportRequest(
            exporter=self.exporter,
            year=data["year"],
            format=data["format"],
            columns=[code for code in self.exporter.column_codes() if code in wanted],
            filters={spec.code: data[spec.code] for spec in self.exporter.filters if data.get(spec.code)},
        )
