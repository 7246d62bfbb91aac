from django.urls import path

from . import export_views

app_name = "exports"

# Back-office addresses are not translated (French first, like the rest of /gestion/).
urlpatterns = [
    path("gestion/exports/", export_views.index, name="index"),
    path("gestion/exports/<int:pk>/telecharger/", export_views.download, name="download"),
    path("gestion/exports/<int:pk>/suivi/", export_views.progress, name="progress"),
    path(
        "gestion/exports/<int:pk>/suivi/fragment/", export_views.progress_fragment, name="progress-fragment"
    ),
]
