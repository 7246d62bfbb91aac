import django_otp.plugins.otp_totp.admin  # noqa: F401 - registers TOTPDevice first, whatever the app order
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from matricule.adminkit import NoAddMixin
from matricule.audit.services import record

from . import staff, throttle, totp
from .models import ComponentMembership, Throttle, User

# django-otp's device admin would show keys (an administrator could copy someone's app) and
# delete devices with no audit event, email or end of sessions: the reset action below does it.
admin.site.unregister(TOTPDevice)


class MembershipInline(admin.TabularInline):
    model = ComponentMembership
    extra = 0
    autocomplete_fields = ["component"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = [*BaseUserAdmin.list_display, "has_second_factor"]
    actions = ["reset_second_factor", "open_enrolment"]

    @admin.display(boolean=True, description=_("authenticator app"))
    def has_second_factor(self, obj):
        return totp.is_enabled(obj)

    @admin.action(description=_("Let them set up an authenticator app with their password (72 hours)"))
    def open_enrolment(self, request, queryset):
        """For a staff member who did not set up their app in time (identity checked first)."""
        if not request.user.is_superuser:
            self.message_user(
                request,
                _("Only administrators may let someone set up an authenticator app."),
                level=messages.ERROR,
            )
            return
        users = [user for user in queryset if not totp.is_enabled(user)]
        for user in users:
            staff.open_enrolment(user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d account may set up an authenticator app for the next 72 hours.",
                "%(count)d accounts may set up an authenticator app for the next 72 hours.",
                len(users),
            )
            % {"count": len(users)},
        )

    @admin.action(description=_("Reset the authenticator app (lost or replaced phone)"))
    def reset_second_factor(self, request, queryset):
        """After checking who is asking (in person, by phone to a known number): the person sets
        up a new app at their next sign-in and is told by email. Administrators only."""
        if not request.user.is_superuser:
            self.message_user(
                request, _("Only administrators may reset an authenticator app."), level=messages.ERROR
            )
            return
        done = sum(staff.reset_second_factor(user, actor=request.user) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d authenticator app reset: it will be set up again at the next sign-in.",
                "%(count)d authenticator apps reset: they will be set up again at the next sign-in.",
                done,
            )
            % {"count": done},
        )


@admin.register(Throttle)
class ThrottleAdmin(NoAddMixin, admin.ModelAdmin):
    """Locks and delays are visible to staff, who can lift them."""

    list_display = ["scope", "key", "count", "last_event_at", "locked_until", "is_locked"]
    list_filter = ["scope"]
    search_fields = ["key"]
    readonly_fields = ["scope", "key", "count", "window_started_at", "last_event_at", "locked_until"]
    actions = ["lift_locks"]

    @admin.display(boolean=True, description=_("locked now"))
    def is_locked(self, obj):
        return bool(obj.locked_until and obj.locked_until > timezone.now())

    @admin.action(description=_("Lift the selected locks"))
    def lift_locks(self, request, queryset):
        for row in queryset:
            throttle.lift(row)
            record("accounts.throttle.lifted", actor=request.user, obj=row, scope=row.scope, key=row.key)
        self.message_user(request, _("Locks lifted."))
