from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Gate


@admin.register(Gate)
class GateAdmin(admin.ModelAdmin):
    list_display = ["window", "enabled", "capacity", "idle_minutes"]
    list_filter = ["enabled", "window__academic_year"]
    list_select_related = ["window__academic_year"]
    actions = ["reset_queue"]

    def save_model(self, request, obj, form, change):
        services.save_gate(obj, actor=request.user, changed=form.changed_data)

    @admin.action(description=_("Empty the places and the line (after a rehearsal)"))
    def reset_queue(self, request, queryset):
        for gate in queryset:
            services.reset_queue(gate, actor=request.user)
        messages.success(request, _("The places and the line were emptied."))
