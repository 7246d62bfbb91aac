"""The student account's pages (activation, password login, reset, second factor)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import student_cas
from . import student_views as views

app_name = "student-account"

urlpatterns = [
    path(_("account/"), views.account, name="home"),
    path(_("account/login/"), views.login_view, name="login"),
    path(_("account/login/code/"), views.login_code, name="login-code"),
    path(_("account/login/ent/"), student_cas.login, name="login-ent"),
    path(_("account/activation/"), views.activation_request, name="activation-request"),
    path(_("account/activation/sent/"), views.activation_sent, name="activation-sent"),
    path(_("account/activate/<str:token>/"), views.activate, name="activate"),
    path(_("account/password/forgotten/"), views.reset_request, name="reset"),
    path(_("account/password/forgotten/sent/"), views.reset_sent, name="reset-sent"),
    path(_("account/password/new/<str:token>/"), views.reset_confirm, name="reset-confirm"),
    path(_("account/two-step/enable/"), views.totp_enable, name="totp-enable"),
    path(_("account/two-step/disable/"), views.totp_disable, name="totp-disable"),
]
