"""The registrations' admin, with the action recording a bank transfer: it uses the payments app,
which the registration app (where the rest of that admin lives) may not import."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from matricule.payments.models import ManualMethod
from matricule.payments.services import record_manual_payment
from matricule.registration.admin import RegistrationAdmin
from matricule.registration.models import Registration, State


class RegistrationPaymentAdmin(RegistrationAdmin):
    actions = ["record_desk_payment", *RegistrationAdmin.actions]

    @admin.action(description=_("Record a bank transfer of the amount due"))
    def record_desk_payment(self, request, queryset):
        """A transfer seen on the university's account (the desk page records cash, cheques and
        cards with their numbers)."""
        for registration in queryset.filter(state=State.AWAITING_PAYMENT):
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


# Replaces the registration app's own registration of the model (imported above, so done first).
admin.site.unregister(Registration)
admin.site.register(Registration, RegistrationPaymentAdmin)
