from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import capfirst

from matricule.accounts.staff import in_scope, scope_queryset
from matricule.adminkit import NoAddMixin
from matricule.progress import AdminProgressMixin, Progress

from .models import BulkGeneration, IssuedDocument, Letterhead

# Where a stage and a generation find their component.
STAGE_COMPONENT = "programme__component_id"
JOB_COMPONENT = "stage__programme__component_id"


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ["serial", "kind", "registration", "language", "status", "signed", "issued_at"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["serial", "registration__student__student_number"]
    readonly_fields = [f.name for f in IssuedDocument._meta.fields]


admin.site.register(Letterhead)


@admin.register(BulkGeneration)
class BulkGenerationAdmin(AdminProgressMixin, admin.ModelAdmin):
    """Staff choose a stage of their components; the task queue makes the certificates; the
    progress page (then the list) shows how far it has gone."""

    list_display = [
        "stage",
        "academic_year",
        "status",
        "done",
        "total",
        "skipped",
        "requested_by",
        "created_at",
    ]
    fields = ["stage", "academic_year"]

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, JOB_COMPONENT)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "stage" and field is not None:
            # Only the stages of the person's components: the ones whose progress they may follow.
            field.queryset = scope_queryset(field.queryset, request.user, STAGE_COMPONENT, write=True)
        return field

    def save_model(self, request, obj, form, change):
        obj.requested_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            from .tasks import generate_certificates

            transaction.on_commit(lambda: generate_certificates.enqueue(obj.pk))

    def response_add(self, request, obj, post_url_continue=None):
        if IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return redirect("admin:certificates_bulkgeneration_progress", obj.pk)

    def get_urls(self):
        return [*self.progress_urls(), *super().get_urls()]

    def job_progress(self, request, object_id) -> Progress:
        """What the generation's progress page shows, for staff who may see generations and
        work for the stage's component (404 otherwise: no hint it exists)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(
            BulkGeneration.objects.select_related("stage__programme", "academic_year"), pk=object_id
        )
        if not in_scope(request.user, job.stage.programme.component_id):
            raise Http404
        return generation_progress(job)


def generation_progress(job: BulkGeneration) -> Progress:
    """What the progress page says of a bulk generation: registrations looked at (made or
    skipped) of those of the stage, and the counts."""
    field = BulkGeneration._meta.get_field
    return Progress(
        title=f"{capfirst(BulkGeneration._meta.verbose_name)} · {job.stage} · {job.academic_year}",
        status=job.status,
        status_label=job.get_status_display(),
        finished=job.finished,
        failed=job.status == BulkGeneration.Status.FAILED,
        done=job.done + job.skipped,
        total=job.total or None,
        counts=[(field(name).verbose_name, getattr(job, name)) for name in ("total", "done", "skipped")],
        fragment_url=reverse("admin:certificates_bulkgeneration_progress_fragment", args=[job.pk]),
    )
