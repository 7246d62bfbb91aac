from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import RecurringJob, WorkerBeat


class ReadOnly(admin.ModelAdmin):
    """What the workers write, shown to staff as it is."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecurringJob)
class RecurringJobAdmin(ReadOnly):
    list_display = ("name", "last_started_at", "last_finished_at", "next_run_at", "failed")

    @admin.display(boolean=True, description=_("last run failed"))
    def failed(self, obj):
        return bool(obj.last_error)


@admin.register(WorkerBeat)
class WorkerBeatAdmin(ReadOnly):
    list_display = ("worker_id", "started_at", "last_seen")
