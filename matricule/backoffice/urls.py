from django.urls import path

from . import (
    document_views,
    instalment_views,
    lifecycle_views,
    payment_list,
    registration_list_views,
    reminder_views,
    request_views,
    views,
    waiting_room_views,
)

app_name = "backoffice"

# The back office speaks French first; its addresses are not translated.
urlpatterns = [
    path("gestion/", views.dashboard, name="dashboard"),
    path("gestion/recherche/", views.search, name="search"),
    path("gestion/etudiant/<int:pk>/", views.student, name="student"),
    path("gestion/audit/", views.audit, name="audit"),
    path("gestion/echeances/", instalment_views.overdue, name="instalments"),
    # Payments pending too long or held for checking (the dashboard's "payments to check")
    path("gestion/paiements/", payment_list.payment_list, name="payments"),
    # The registrations of a campaign, and reminders to the people of a list
    path("gestion/inscriptions/", registration_list_views.registrations, name="registrations"),
    path("gestion/inscriptions/relance/", reminder_views.remind, name="registrations-remind"),
    # A registration's life, from the student's file
    path(
        "gestion/etudiant/<int:pk>/identite/", lifecycle_views.correct_identity_view, name="student-identity"
    ),
    path("gestion/inscription/<int:pk>/annuler/", lifecycle_views.cancel, name="registration-cancel"),
    path("gestion/inscription/<int:pk>/rembourser/", lifecycle_views.refund, name="registration-refund"),
    path("gestion/inscription/<int:pk>/rouvrir/", lifecycle_views.reopen, name="registration-reopen"),
    path(
        "gestion/inscription/<int:pk>/lien-activation/",
        lifecycle_views.send_activation,
        name="registration-activation-link",
    ),
    # Supporting documents
    path("gestion/pieces/", document_views.queue, name="document-queue"),
    path("gestion/pieces/<int:pk>/", document_views.review, name="document-review"),
    path("gestion/pieces/<int:pk>/liberer/", document_views.release, name="document-release"),
    path("gestion/fichier/<int:version_pk>/", document_views.staff_file, name="document-file"),
    path(
        "gestion/fichier/<int:version_pk>/page/<int:page>.png",
        document_views.page_preview,
        name="document-page",
    ),
    # Student requests
    path("gestion/demandes/", request_views.request_list, name="request-list"),
    path("gestion/demandes/<int:pk>/", request_views.detail, name="request-detail"),
    path("gestion/demandes/<int:pk>/prendre/", request_views.assign, name="request-assign"),
    path("gestion/demandes/<int:pk>/decider/", request_views.decide, name="request-decide"),
    path("gestion/demandes/fichier/<int:attachment_pk>/", request_views.attachment_file, name="request-file"),
    # The waiting room
    path("gestion/file-attente/", waiting_room_views.waiting_room, name="waiting-room"),
]
