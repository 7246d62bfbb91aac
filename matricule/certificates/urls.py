from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import html_views, views

app_name = "certificates"

urlpatterns = [
    path(_("registration/<int:pk>/certificate/"), views.certificate, name="certificate"),
    path(_("registration/<int:pk>/certificate-<str:language>.pdf"), views.certificate_pdf, name="pdf"),
    path(_("registration/<int:pk>/summary.pdf"), views.summary_pdf, name="summary-pdf"),
    path(_("registration/<int:pk>/receipt.pdf"), views.receipt_pdf, name="receipt"),
    # The accessible HTML version beside each PDF (html_views.py).
    path(
        _("registration/<int:pk>/certificate-<str:language>.html"),
        html_views.certificate_html,
        name="certificate-html",
    ),
    path(_("registration/<int:pk>/summary.html"), html_views.summary_html, name="summary-html"),
    path(_("registration/<int:pk>/receipt.html"), html_views.receipt_html, name="receipt-html"),
    path("documents/print.css", html_views.print_css, name="print-css"),
    path("verifier/", views.verify, name="verify"),
    path("verifier/<str:serial>/", views.verify, name="verify-serial"),
]
