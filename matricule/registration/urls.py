from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "registration"

urlpatterns = [
    path(_("student/"), views.home, name="home"),
]
