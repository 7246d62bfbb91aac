from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import reregistration_views, views

app_name = "registration"

urlpatterns = [
    path(_("student/"), views.home, name="home"),
    path(_("student/who-read-my-file/"), views.file_readings_page, name="file-readings"),
    path(_("registration/start/"), views.start, name="start"),
    path(_("registration/<int:pk>/"), views.status, name="status"),
    path(_("registration/<int:pk>/step/<slug:key>/"), views.step, name="step"),
    path(_("registration/<int:pk>/step/<slug:key>/autosave/"), views.autosave, name="autosave"),
    path(_("registration/<int:pk>/review/"), views.review, name="review"),
    path(_("re-registration/start/"), reregistration_views.start, name="reregistration-start"),
    path(_("re-registration/login/"), reregistration_views.student_login, name="student-login"),
    path(_("registration/<int:pk>/confirm/"), reregistration_views.confirm, name="confirm"),
    path(_("registration/additional/"), reregistration_views.additional, name="additional"),
]
