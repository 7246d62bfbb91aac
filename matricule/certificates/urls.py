from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "certificates"

urlpatterns = [
    path(_("registration/<int:pk>/certificate/"), views.certificate, name="certificate"),
    path(_("registration/<int:pk>/certificate-<str:language>.pdf"), views.certificate_pdf, name="pdf"),
    path(_("registration/<int:pk>/summary.pdf"), views.summary_pdf, name="summary-pdf"),
    path(_("registration/<int:pk>/receipt.pdf"), views.receipt_pdf, name="receipt"),
    path("verifier/", views.verify, name="verify"),
    path("verifier/<str:serial>/", views.verify, name="verify-serial"),
]
