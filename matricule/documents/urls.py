from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import review_views, views

app_name = "documents"

urlpatterns = [
    path(_("registration/<int:pk>/documents/"), views.documents, name="list"),
    path(_("registration/<int:pk>/documents/<int:submission_pk>/"), views.upload, name="upload"),
    path(_("registration/<int:pk>/documents/file/<int:version_pk>/"), views.student_file, name="file"),
    # The back office speaks French first; its addresses are not translated.
    path("gestion/pieces/", review_views.queue, name="queue"),
    path("gestion/pieces/<int:pk>/", review_views.review, name="review"),
    path("gestion/pieces/<int:pk>/liberer/", review_views.release, name="release"),
    path("gestion/fichier/<int:version_pk>/", review_views.staff_file, name="staff-file"),
    path(
        "gestion/fichier/<int:version_pk>/page/<int:page>.png", review_views.page_preview, name="page-preview"
    ),
]
