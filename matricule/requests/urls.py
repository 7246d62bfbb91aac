from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "requests"

urlpatterns = [
    path(_("registration/<int:pk>/requests/"), views.request_list, name="list"),
    path(_("registration/<int:pk>/requests/new/<slug:kind>/"), views.new_request, name="new"),
    path(_("registration/<int:pk>/requests/<int:request_pk>/"), views.detail, name="detail"),
    path(_("registration/<int:pk>/requests/<int:request_pk>/attach/"), views.attach, name="attach"),
    path(_("registration/<int:pk>/requests/<int:request_pk>/withdraw/"), views.withdraw, name="withdraw"),
    path(_("registration/<int:pk>/requests/file/<int:attachment_pk>/"), views.student_file, name="file"),
]
