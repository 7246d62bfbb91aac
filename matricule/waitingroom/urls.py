from django.urls import path

from . import views

app_name = "waitingroom"

urlpatterns = [
    # The back office speaks French first; its addresses are not translated.
    path("gestion/file-attente/", views.queue, name="queue"),
]
