from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from matricule.adminkit import NoAddMixin, euros

from .models import Registration, Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["student_number", "user", "created_at"]
    search_fields = ["student_number", "user__last_name", "user__email"]
    readonly_fields = ["user", "student_number", "created_at"]


FEES = euros("fee_total_cents", _("total fees"))


@admin.register(Registration)
class RegistrationAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = ["pk", "student", "academic_year", "stage", "state", FEES, "registered_at"]
    list_filter = ["state", "academic_year", "stage__programme__component"]
    search_fields = ["student__student_number", "candidate__last_name", "candidate__parcoursup_number"]
    readonly_fields = fields = [
        FEES if f.name == "fee_total_cents" else f.name for f in Registration._meta.fields
    ]
    # The back office adds an action recording a transfer (matricule.backoffice.admin): payments
    # are above this app.
    actions = ["cancel_registrations"]

    @admin.action(description=_("Cancel the selected registrations (their certificates are revoked)"))
    def cancel_registrations(self, request, queryset):
        from .services import cancel_registration

        for registration in queryset.exclude(state="cancelled"):
            cancel_registration(registration, actor=request.user, reason="cancelled by staff")
        self.message_user(request, _("Registrations cancelled."), messages.WARNING)
