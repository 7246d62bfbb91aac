from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "accounts"

urlpatterns = [
    path(_("login/"), views.admission_login_view, name="admission-login"),
    path(_("login/sent/"), views.link_sent, name="link-sent"),
    path(_("login/link/<str:token>/"), views.open_link, name="link"),
    path(_("logout/"), views.logout_view, name="logout"),
]
