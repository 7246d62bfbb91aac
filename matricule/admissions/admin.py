from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matricule.adminkit import NoAddMixin, ViewOnlyMixin
from matricule.audit.services import record
from matricule.bodylimit import FORM_MARGIN, accepts_body
from matricule.progress import AdminProgressMixin, Progress

from .forms import MAX_UPLOAD_BYTES, AdmissionsUploadForm
from .models import FILE_ISSUES, Candidate, ImportIssue, ImportRun, Result, normalize_parcoursup_number
from .reports import ignored_columns_note
from .results_importer import STUDENT_NUMBER_RE
from .services import start_import

# The admin pages of both imports: under templates/admin/admissions/ (not loaded by the admin
# on its own: no file there is named after an admin template).
TEMPLATES = "admin/admissions/"

# A run on a very bad file may hold one issue per line: pages show the first ones and link
# to the paginated list of all of them.
ISSUES_SHOWN = 200
# The reasons a failed run's progress page lists (the report has them all).
REASONS_SHOWN = 20


# The upload pages read a whole export: their body may reach the form's file limit (bodylimit.py).
import_body = accepts_body(MAX_UPLOAD_BYTES + FORM_MARGIN)


@admin.register(Candidate)
class CandidateAdmin(NoAddMixin, admin.ModelAdmin):
    """Candidates come from imports only."""

    list_display = [
        "number_display",
        "last_name",
        "first_names",
        "email",
        "stage",
        "situation",
        "phase",
        "academic_year",
    ]
    list_filter = ["situation", "stage", "phase", "academic_year"]
    list_select_related = ["stage", "academic_year"]
    search_fields = ["parcoursup_number", "last_name", "first_names", "email", "ine"]
    readonly_fields = [
        "academic_year",
        "parcoursup_number",
        "user",
        "email_lower",
        "source_checksum",
        "last_import_run",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "academic_year",
                    "parcoursup_number",
                    "user",
                    "situation",
                    "phase",
                    "response_date",
                    "parcoursup_offer_code",
                    "stage",
                    "offline_population",
                ]
            },
        ),
        (
            _("Identity"),
            {
                "fields": [
                    "last_name",
                    "first_names",
                    "sex",
                    "birth_date",
                    "ine",
                    "birth_town",
                    "birth_country",
                    "nationality",
                ]
            },
        ),
        (_("Contact"), {"fields": ["email", "phone", "address", "postal_code", "city", "country"]}),
        (
            _("Secondary school"),
            {"fields": ["bac_year", "bac_series", "bac_honours", "school_uai", "grant_holder_hint"]},
        ),
        (
            _("Import"),
            {"fields": ["last_import_run", "source_checksum", "email_lower", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description=_("Parcoursup number"), ordering="parcoursup_number")
    def number_display(self, obj):
        return f"P{obj.parcoursup_number}"

    def get_search_results(self, request, queryset, search_term):
        # Staff type the number as printed for the candidate (`P240012345`): stored without P.
        normalized = normalize_parcoursup_number(search_term)
        if normalized is not None:
            return queryset.filter(parcoursup_number=normalized), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record("admissions.candidate.changed", actor=request.user, obj=obj, fields=sorted(form.changed_data))


class ResultsUploadForm(AdmissionsUploadForm):
    """The admissions upload form, worded for the results file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = self.fields["academic_year"]
        year.label = _("Campaign")
        year.help_text = _(
            "The re-registration campaign these results prepare; each result "
            "keeps the year written in the file."
        )
        upload = self.fields["file"]
        upload.label = _("CSV file of last year's results")
        upload.help_text = _(
            "Semicolon-separated, as exported from the student records system or a spreadsheet "
            "(UTF-8 or Windows-1252), at most %(size)s."
        ) % {"size": filesizeformat(MAX_UPLOAD_BYTES)}


class LimitedIssueFormSet(BaseInlineFormSet):
    def get_queryset(self):
        if not hasattr(self, "_limited_queryset"):
            self._limited_queryset = super().get_queryset()[:ISSUES_SHOWN]
        return self._limited_queryset


class ImportIssueInline(ViewOnlyMixin, admin.TabularInline):
    model = ImportIssue
    formset = LimitedIssueFormSet
    fields = ["line_number", "column", "severity", "message", "parcoursup_number"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = format_lazy(_("Issues (the first {count})"), count=ISSUES_SHOWN)

    @admin.display(description=_("reason"))
    def message(self, obj):
        return f"{obj.message} {obj.hint}".rstrip()


@dataclass(frozen=True)
class _Upload:
    """What differs between the upload pages of the two imports."""

    form: type[AdmissionsUploadForm]
    title: str
    url_name: str
    permissions: tuple[str, ...]


UPLOADS = {
    ImportRun.Kind.ADMISSIONS: _Upload(
        AdmissionsUploadForm,
        _("Import admitted candidates"),
        "admin:admissions_importrun_upload",
        ("admissions.add_importrun",),
    ),
    ImportRun.Kind.RESULTS: _Upload(
        ResultsUploadForm,
        _("Import last year's results"),
        "admin:admissions_importrun_upload_results",
        ("admissions.add_importrun", "admissions.add_result"),
    ),
}


@admin.register(ImportRun)
class ImportRunAdmin(ViewOnlyMixin, AdminProgressMixin, admin.ModelAdmin):
    """A run is a record of what happened, made by the upload page, the command or the API import."""

    list_display = [
        "started_at",
        "kind",
        "academic_year",
        "source",
        "file_name",
        "user",
        "status",
        "lines_read",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "unmapped",
        "not_accepted",
    ]
    list_filter = ["kind", "status", "source", "academic_year"]
    list_select_related = ["academic_year", "user"]
    date_hierarchy = "started_at"
    inlines = [ImportIssueInline]
    # The change list carries the upload links; the change form links to the report.
    change_list_template = TEMPLATES + "importrun_change_list.html"
    change_form_template = TEMPLATES + "importrun_change_form.html"

    def get_urls(self):
        return [
            path(
                "upload/",
                import_body(self.admin_site.admin_view(self.upload_view)),
                name="admissions_importrun_upload",
            ),
            path(
                "results-upload/",
                import_body(self.admin_site.admin_view(self.upload_results_view)),
                name="admissions_importrun_upload_results",
            ),
            path(
                "<int:object_id>/report/",
                self.admin_site.admin_view(self.report_view),
                name="admissions_importrun_report",
            ),
            *self.progress_urls(),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        return self._upload(request, ImportRun.Kind.ADMISSIONS)

    def upload_results_view(self, request):
        return self._upload(request, ImportRun.Kind.RESULTS)

    def _upload(self, request, kind):
        upload = UPLOADS[kind]
        if not request.user.has_perms(upload.permissions):
            raise PermissionDenied
        form_class = upload.form
        form = form_class(request.POST, request.FILES) if request.method == "POST" else form_class()
        if form.is_bound and form.is_valid():
            # Imported in the background; its progress page follows it, then links to the report.
            file = form.cleaned_data["file"]
            run = start_import(
                kind,
                file,
                academic_year=form.cleaned_data["academic_year"],
                user=request.user,
                file_name=file.name,
            )
            return redirect("admin:admissions_importrun_progress", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": upload.title,
            "kind": kind,
            "form": form,
        }
        return TemplateResponse(request, TEMPLATES + "import_upload.html", context)

    def job_progress(self, request, object_id) -> Progress:
        """What the run's progress page shows, for staff who may make such an import."""
        if not request.user.has_perm("admissions.add_importrun"):
            raise PermissionDenied
        run = get_object_or_404(ImportRun.objects.select_related("academic_year"), pk=object_id)
        if not request.user.has_perms(UPLOADS[run.kind].permissions):
            raise PermissionDenied
        return run_progress(run)

    def report_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(ImportRun.objects.select_related("academic_year", "user"), pk=object_id)
        issues = run.issues.select_related("run")
        upload = UPLOADS[run.kind]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import report"),
            "run": run,
            "counts": run.counts(),
            "issues": issues[:ISSUES_SHOWN],
            "issue_count": issues.count(),
            "issues_shown": ISSUES_SHOWN,
            "all_issues_url": reverse("admin:admissions_importissue_changelist")
            + f"?run__id__exact={run.pk}",
            "can_upload": request.user.has_perms(upload.permissions),
            "upload_url": reverse(upload.url_name),
        }
        return TemplateResponse(request, TEMPLATES + "import_report.html", context)


def run_progress(run: ImportRun) -> Progress:
    """What the progress page says of an import run: its counts, lines read of the file's
    lines, and once it is over the report (with the reasons, when the file was refused)."""
    notes = []
    if run.status == ImportRun.Status.FAILED:
        notes.append(gettext("The file was not imported: see the reasons below."))
        reasons = run.issues.select_related("run").filter(code__in=FILE_ISSUES)[:REASONS_SHOWN]
        for issue in reasons:
            notes.append(f"{issue.describe()} {issue.hint}".rstrip())
    if run.finished and (note := ignored_columns_note(run)):
        notes.append(note)
    return Progress(
        title=f"{run.get_kind_display()} · {run.file_name or '-'} · {run.academic_year.code}",
        status=run.status,
        status_label=run.get_status_display(),
        finished=run.finished,
        failed=run.status == ImportRun.Status.FAILED,
        done=run.lines_read,
        total=run.lines_total,
        counts=run.counts(),
        fragment_url=reverse("admin:admissions_importrun_progress_fragment", args=[run.pk]),
        result_url=reverse("admin:admissions_importrun_report", args=[run.pk]) if run.finished else "",
        result_label=gettext("See the import report"),
        notes=notes,
    )


@admin.register(ImportIssue)
class ImportIssueAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["run", "line_number", "column", "severity", "message", "parcoursup_number"]
    list_filter = ["severity", "code"]
    list_select_related = ["run__academic_year"]
    search_fields = ["parcoursup_number", "column"]
    list_per_page = 200

    @admin.display(description=_("reason"))
    def message(self, obj):
        return f"{obj.message} {obj.hint}".rstrip()


@admin.register(Result)
class ResultAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Results come from the results import only: a wrong one is corrected by importing the
    corrected line."""

    list_display = ["student_number", "year_code", "stage", "result", "import_run", "updated_at"]
    list_filter = ["year_code", "result", "stage"]
    list_select_related = ["stage", "import_run__academic_year"]
    search_fields = ["student_number"]
    ordering = ["student_number", "year_code"]
    readonly_fields = ["student_number", "year_code", "stage", "result", "import_run", "updated_at"]
    # Extends the admin's change list with the link to the results upload.
    change_list_template = TEMPLATES + "result_change_list.html"

    def get_search_results(self, request, queryset, search_term):
        # A student number (or its beginning) is looked up by prefix, as typed: the index on
        # the number serves it, where the admin's default (contains, any case) scans.
        term = search_term.strip()
        if (
            STUDENT_NUMBER_RE.fullmatch(term)
            and len(term) <= Result._meta.get_field("student_number").max_length
        ):
            return queryset.filter(student_number__startswith=term), False
        return super().get_search_results(request, queryset, search_term)

    def delete_model(self, request, obj):
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("stage"):
            self._record_deletion(request, obj)
        super().delete_queryset(request, queryset)

    @staticmethod
    def _record_deletion(request, obj):
        record(
            "admissions.result.deleted",
            actor=request.user,
            obj=obj,
            student_number=obj.student_number,
            year_code=obj.year_code,
            stage=obj.stage.code,
            result=obj.result,
        )
