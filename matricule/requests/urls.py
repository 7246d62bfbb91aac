from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import staff_views, views

app_name = "requests"

urlpatterns = [
    path(_("registration/<int:pk>/requests/"), views.request_list, name="list"),
    path(_("registration/<int:pk>/requests/new/<slug:kind>/"), views.new_request, name="new"),
    path(_("registration/<int:pk>/requests/<int:request_pk>/"), views.detail, name="detail"),
    path(_("registration/<int:pk>/requests/<int:request_pk>/attach/"), views.attach, name="attach"),
    path(_("registration/<int:pk>/requests/<int:request_pk>/withdraw/"), views.withdraw, name="withdraw"),
    path(_("registration/<int:pk>/requests/file/<int:attachment_pk>/"), views.student_file, name="file"),
    # The back office speaks French first; its addresses are not translated.
    path("gestion/demandes/", staff_views.staff_list, name="staff-list"),
    path("gestion/demandes/<int:pk>/", staff_views.staff_detail, name="staff-detail"),
    path("gestion/demandes/<int:pk>/prendre/", staff_views.staff_assign, name="staff-assign"),
    path("gestion/demandes/<int:pk>/decider/", staff_views.staff_decide, name="staff-decide"),
    path("gestion/demandes/fichier/<int:attachment_pk>/", staff_views.staff_file, name="staff-file"),
]
