from django.contrib import admin
from django.db import transaction

from .models import BulkGeneration, IssuedDocument, Letterhead


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(admin.ModelAdmin):
    list_display = ["serial", "kind", "registration", "language", "status", "signed", "issued_at"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["serial", "registration__student__student_number"]
    readonly_fields = [f.name for f in IssuedDocument._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.register(Letterhead)


@admin.register(BulkGeneration)
class BulkGenerationAdmin(admin.ModelAdmin):
    """Staff choose a stage; the task queue makes the certificates; the list shows progress."""

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

    def save_model(self, request, obj, form, change):
        obj.requested_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            from .tasks import generate_certificates

            transaction.on_commit(lambda: generate_certificates.enqueue(obj.pk))
