from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matricule.audit.services import record

from . import throttle
from .models import ComponentMembership, Throttle, User


class MembershipInline(admin.TabularInline):
    model = ComponentMembership
    extra = 0
    autocomplete_fields = ["component"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]


@admin.register(Throttle)
class ThrottleAdmin(admin.ModelAdmin):
    """Lockouts are visible to staff, who can lift them."""

    list_display = ["scope", "key", "count", "last_event_at", "locked_until", "is_locked"]
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = ["scope", "key", "count", "window_started_at", "last_event_at", "locked_until"]
    actions = ["lift_locks"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description=_("locked now"))
    def is_locked(self, obj):
        return bool(obj.locked_until and obj.locked_until > timezone.now())

    @admin.action(description=_("Lift the selected locks"))
    def lift_locks(self, request, queryset):
        for row in queryset:
            throttle.lift(row)
            record("accounts.throttle.lifted", actor=request.user, obj=row, scope=row.scope,
                   key=row.key)
        self.message_user(request, _("Locks lifted."))
