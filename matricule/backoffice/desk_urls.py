from django.urls import path

from . import cash_journal_views
from . import desk_views as views

app_name = "desk"

# Back-office addresses are not translated (see urls.py).
urlpatterns = [
    path("gestion/guichet/", views.start, name="start"),
    path("gestion/guichet/caisse/", cash_journal_views.journal, name="cash-journal"),
    path("gestion/guichet/<int:pk>/", views.resume, name="resume"),
    path("gestion/guichet/<int:pk>/etape/<slug:key>/", views.step, name="step"),
    path("gestion/guichet/<int:pk>/verification/", views.review, name="review"),
    path("gestion/guichet/<int:pk>/paiement/", views.payment, name="payment"),
    path("gestion/guichet/<int:pk>/termine/", views.done, name="done"),
    path("gestion/guichet/<int:pk>/recapitulatif.pdf", views.summary_download, name="summary-pdf"),
]
