from django.urls import path

from . import staff_views

app_name = "staff"

# The back office speaks French first; its addresses are not translated.
urlpatterns = [
    path("gestion/connexion/", staff_views.login_view, name="login"),
    path("gestion/connexion/code/", staff_views.second_factor, name="second-factor"),
    path("gestion/connexion/code/application/", staff_views.enrol, name="enrol"),
    path("gestion/connexion/cas/", staff_views.cas_login, name="cas-login"),
    path("gestion/deconnexion/", staff_views.logout_view, name="logout"),
]
