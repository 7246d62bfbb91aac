"""The REST API under /api/ (outside the language prefixes: clients are programs)."""

from django.urls import include, path
from django.views.decorators.cache import cache_page
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("registrations", views.RegistrationViewSet, basename="registration")
router.register("students", views.StudentViewSet, basename="student")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("issued-documents", views.IssuedDocumentViewSet, basename="issued-document")
router.register("requests", views.RequestViewSet, basename="request")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/candidates/import/", views.CandidatesImportView.as_view(), name="candidates-import"),
    path("v1/results/import/", views.ResultsImportView.as_view(), name="results-import"),
    # Public and the same for everyone: made once an hour, not on every request.
    path("schema/", cache_page(60 * 60)(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", views.docs, name="docs"),
]
