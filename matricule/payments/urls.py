from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "payments"

urlpatterns = [
    path(_("registration/<int:pk>/payment/"), views.pay, name="pay"),
    path(_("payment/return/<str:reference>/"), views.payment_return, name="return"),
    path(
        _("registration/<int:pk>/instalment/<int:payment_pk>/"), views.pay_instalment, name="pay-instalment"
    ),
]

# Outside the language prefixes: gateways call one fixed address.
notification_patterns = [
    path("paiement/notification/<slug:code>/", views.notify, name="payment-notify"),
]
