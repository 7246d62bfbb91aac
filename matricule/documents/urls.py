from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "documents"

urlpatterns = [
    path(_("registration/<int:pk>/documents/"), views.documents, name="list"),
    path(_("registration/<int:pk>/documents/<int:submission_pk>/"), views.upload, name="upload"),
    path(_("registration/<int:pk>/documents/file/<int:version_pk>/"), views.student_file, name="file"),
]
