from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from matricule.institution.models import AcademicYear

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".txt")


class AdmissionsUploadForm(forms.Form):
    academic_year = forms.ModelChoiceField(
        label=_("Academic year"),
        queryset=AcademicYear.objects.all(),
        empty_label=None,
        help_text=_("The campaign the candidates are admitted to."),
    )
    file = forms.FileField(
        label=_("CSV file of admitted candidates"),
        error_messages={"empty": _("The file is empty."), "required": _("Choose the file to import.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, not at import time, so that it follows the request's language.
        self.fields["file"].help_text = _(
            "Semicolon-separated, as exported from Parcoursup or a spreadsheet (UTF-8 or "
            "Windows-1252), at most %(size)s."
        ) % {"size": filesizeformat(MAX_UPLOAD_BYTES)}
        current = AcademicYear.objects.current()
        if current is not None:
            self.fields["academic_year"].initial = current.pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s): the limit is %(limit)s."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
                code="too_large",
            )
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(
                _(
                    "Choose a CSV file (ending in .csv): save the spreadsheet as “CSV "
                    "(semicolon-separated)” first."
                ),
                code="extension",
            )
        return upload
