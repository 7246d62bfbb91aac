from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Registration, Student


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["student_number", "user", "created_at"]
    search_fields = ["student_number", "user__last_name", "user__email"]
    readonly_fields = ["user", "student_number", "created_at"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["pk", "student", "academic_year", "stage", "state", "fee_total_cents", "registered_at"]
    list_filter = ["state", "academic_year", "stage__programme__component"]
    search_fields = ["student__student_number", "candidate__last_name", "candidate__parcoursup_number"]
    readonly_fields = [f.name for f in Registration._meta.fields]
    actions = ["record_desk_payment", "cancel_registrations"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Record a bank transfer of the amount due"))
    def record_desk_payment(self, request, queryset):
        """A transfer seen on the university's account (the desk page records cash, cheques and
        cards with their numbers)."""
        from matricule.payments.models import ManualMethod
        from matricule.payments.services import record_manual_payment

        for registration in queryset.filter(state="awaiting_payment"):
            record_manual_payment(
                registration,
                amount_cents=registration.fee_total_cents,
                actor=request.user,
                note="admin",
                method=ManualMethod.TRANSFER,
            )
            self.message_user(
                request, _("Payment recorded for registration %(pk)s.") % {"pk": registration.pk}
            )

    @admin.action(description=_("Cancel the selected registrations (their certificates are revoked)"))
    def cancel_registrations(self, request, queryset):
        from .services import cancel_registration

        for registration in queryset.exclude(state="cancelled"):
            cancel_registration(registration, actor=request.user, reason="cancelled by staff")
        self.message_user(request, _("Registrations cancelled."), messages.WARNING)
