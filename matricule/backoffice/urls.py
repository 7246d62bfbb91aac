from django.urls import path

from . import views

app_name = "backoffice"

# The back office speaks French first; its addresses are not translated.
urlpatterns = [
    path("gestion/", views.dashboard, name="dashboard"),
    path("gestion/recherche/", views.search, name="search"),
    path("gestion/etudiant/<int:pk>/", views.student, name="student"),
    path("gestion/audit/", views.audit, name="audit"),
]
