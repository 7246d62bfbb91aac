from django.contrib import admin

from matricule.adminkit import ReadOnlyMixin

from .models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "object_type", "object_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_id"]
