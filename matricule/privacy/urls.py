from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import retention_views, views

app_name = "privacy"

urlpatterns = [
    # The retention schedule, for administrators (the back office's addresses are not translated).
    path("gestion/conservation/", retention_views.retention_schedule, name="retention"),
    # The student's own data (GDPR access and portability).
    path(_("student/my-data/"), views.my_data, name="my-data"),
    path(_("student/my-data/download/<int:pk>/"), views.download, name="download"),
]
