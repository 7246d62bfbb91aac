from django.contrib import admin

from matricule.adminkit import ReadOnlyMixin

from .models import DataExport


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who asked for their data and where it stands, for support: never the file itself (it
    holds everything about a person; only its owner downloads it), nor a change by hand."""

    list_display = ["user", "state", "requested_at", "ready_at", "expires_at", "size"]
    list_filter = ["state"]
    search_fields = ["user__username", "user__email", "user__student__student_number"]
    fields = readonly_fields = [
        "user",
        "state",
        "language",
        "requested_at",
        "ready_at",
        "expires_at",
        "size",
        "error",
    ]
    date_hierarchy = "requested_at"
