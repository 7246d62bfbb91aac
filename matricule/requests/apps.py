from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "matricule.requests"
    label = "student_requests"  # "requests" would read as the HTTP library in tracebacks and logs
    verbose_name = _("Student requests")
