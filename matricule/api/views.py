"""The REST API's endpoints. Each view names its resource (its scopes) and starts from a
queryset scoped to the client's components (scope.py): another component's row is a 404."""

from functools import cache

from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from matricule.audit.services import record
from matricule.certificates.models import IssuedDocument
from matricule.documents import services as documents
from matricule.documents.models import RefusalReason, Submission, Version
from matricule.institution.models import AcademicYear
from matricule.payments.models import Payment
from matricule.registration.models import Kind, State
from matricule.requests import models as requests

from . import filters, imports, scope, serializers
from .pagination import KeysetPagination
from .permissions import client_of

# How deep a carried-over document is followed back to the year its file was sent in.
CARRIED_DEPTH = 10


class ApiViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = KeysetPagination
    lookup_value_regex = "[0-9]+"
    resource: str
    # The order of a list and its cursor: a key that never goes back (see pagination.py).
    cursor_fields: tuple[str, ...] = ("id",)
    list_filters: list[filters.Filter] = []
    # Rows reached through a registration, less the fields the serializer never reads.
    deferred: tuple[str, ...] = ()

    @property
    def client(self):
        return client_of(self.request)

    def rows(self):
        """The client's rows, with what the serializer reads."""
        model = self.serializer_class.Meta.model
        return scope.scoped(model.objects.all(), self.client, scope.THROUGH_REGISTRATION).defer(
            *self.deferred
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, without a client
            return self.serializer_class.Meta.model.objects.none()
        rows = self.rows()
        if self.action == "list":
            rows = filters.apply(rows, self.request.query_params, self.list_filters)
        return rows


def described(plural: str, filter_list: list[filters.Filter], **extra):
    """The schema of a list and a detail endpoint: their summaries and the list's filters."""
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}", parameters=[f.parameter() for f in filter_list]),
        retrieve=extend_schema(summary=f"One of the {plural}"),
        **extra,
    )


# The registration a payment, a document, an issued document or a request belongs to.
REGISTRATION_ID = filters.Filter("registration", "registration_id", filters.whole_number, "Registration id.")

REGISTRATION_FILTERS = [
    filters.Filter("year", "academic_year__code", filters.text, "Academic year code, e.g. 2025-2026."),
    filters.Filter("stage", "stage__code", filters.text, "Programme stage code."),
    filters.Filter("component", "stage__programme__component__code", filters.text, "Component code."),
    filters.Filter("state", "state", filters.one_of(State.values), "Registration state."),
    filters.Filter("kind", "kind", filters.one_of(Kind.values), "Registration kind."),
    filters.Filter("student", "student_id", filters.whole_number, "Student id."),
    filters.updated_since(),
]


@described("registrations", REGISTRATION_FILTERS)
class RegistrationViewSet(ApiViewSet):
    resource = "registrations"
    serializer_class = serializers.RegistrationSerializer
    cursor_fields = ("updated_at", "id")
    list_filters = REGISTRATION_FILTERS

    def rows(self):
        return (
            scope.registrations(self.client)
            .select_related("student", "academic_year", "stage__programme__component")
            .only(
                "id",
                "kind",
                "state",
                "fee_total_cents",
                "created_at",
                "updated_at",
                "submitted_at",
                "registered_at",
                "cancelled_at",
                "student__student_number",
                "academic_year__code",
                "stage__code",
                "stage__name",
                "stage__programme__code",
                "stage__programme__component__code",
            )
        )


STUDENT_FILTERS = [
    filters.Filter("student_number", "student_number", filters.text, "Student number."),
]


@described("students", STUDENT_FILTERS)
class StudentViewSet(ApiViewSet):
    resource = "students"
    serializer_class = serializers.StudentSerializer
    list_filters = STUDENT_FILTERS

    def rows(self):
        visible = (
            scope.registrations(self.client)
            .select_related("candidate")
            .only("id", "student_id", "cleaned", "candidate__ine")
            .order_by("-academic_year__starts_on", "-pk")
        )
        return (
            scope.students(self.client)
            .select_related("user")
            .only("id", "student_number", "last_name", "first_names", "sex", "birth_date", "user__email")
            .prefetch_related(Prefetch("registrations", queryset=visible, to_attr="visible_registrations"))
        )


PAYMENT_FILTERS = [
    REGISTRATION_ID,
    filters.Filter("status", "status", filters.one_of(Payment.Status.values), "Payment status."),
    filters.updated_since(),
]


@described("payments and refunds", PAYMENT_FILTERS)
class PaymentViewSet(ApiViewSet):
    resource = "payments"
    serializer_class = serializers.PaymentSerializer
    cursor_fields = ("updated_at", "id")
    list_filters = PAYMENT_FILTERS
    deferred = ("note", "recorded_by")


DOCUMENT_FILTERS = [
    REGISTRATION_ID,
    filters.Filter("status", "status", filters.one_of(Submission.Status.values), "Document status."),
    filters.Filter("document_type", "document_type__code", filters.text, "Document type code (e.g. photo)."),
    filters.Filter(
        "reviewed_since", "reviewed_at__gte", filters.moment, "Only documents decided at or after this time."
    ),
]


@described(
    "documents",
    DOCUMENT_FILTERS,
    file=extend_schema(
        summary="Download the document's file",
        description="The latest file of the document (for a document carried over from an earlier "
        "year, the file sent then). The ID photo of the student card is the document of type `photo`.",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: OpenApiResponse()},
    ),
    decision=extend_schema(
        summary="Validate or refuse the document",
        request=serializers.DecisionSerializer,
        responses={200: serializers.DocumentSerializer, 400: OpenApiResponse(), 409: OpenApiResponse()},
    ),
)
class DocumentViewSet(ApiViewSet):
    resource = "documents"
    serializer_class = serializers.DocumentSerializer
    list_filters = DOCUMENT_FILTERS

    def rows(self):
        newest = Version.objects.order_by("-uploaded_at", "-pk").only(
            "id", "submission_id", "content_type", "size", "sha256", "uploaded_at"
        )
        return (
            scope.scoped(Submission.objects.all(), self.client, scope.THROUGH_REGISTRATION)
            .select_related("document_type", "reason")
            .prefetch_related(Prefetch("versions", queryset=newest, to_attr="newest_versions"))
        )

    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        submission = self.get_object()
        version = _file_of(submission)
        if version is None:
            return Response({"detail": _("This document has no file.")}, status=status.HTTP_404_NOT_FOUND)
        response = FileResponse(
            version.file.open("rb"),
            content_type=version.content_type,
            as_attachment=True,
            filename=f"{submission.document_type.code}-{submission.registration_id}{version.extension}",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Document-Status"] = submission.status
        return response

    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        submission = self.get_object()
        body = serializers.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        reason = None
        if data.get("reason") is not None:
            reason = RefusalReason.objects.filter(pk=data["reason"]).first()
            if reason is None:
                return Response(
                    {"reason": [_("Unknown refusal reason.")]}, status=status.HTTP_400_BAD_REQUEST
                )
        validate = data["decision"] == "validate"
        client = self.client
        try:
            with transaction.atomic():
                # The API's own check is the component scope above (get_object): the document
                # services take the agent as given and only record it as the reviewer.
                documents.decide(
                    submission,
                    agent=client.user,
                    validate=validate,
                    reason=reason,
                    comment=data.get("comment", ""),
                    valid_until=data.get("valid_until") if validate else None,
                )
                record(
                    "api.document_decided",
                    actor=client.user,
                    obj=submission,
                    api_client=client.pk,
                    decision=data["decision"],
                )
        except documents.DocumentError as error:
            if str(error) == "reason required":
                return Response(
                    {"detail": _("A refusal needs a reason or a comment.")},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            return Response(
                {"detail": _("This document is not waiting for a decision.")}, status=status.HTTP_409_CONFLICT
            )
        return Response(self.get_serializer(self.rows().get(pk=submission.pk)).data)


def _file_of(submission: Submission) -> Version | None:
    """The latest version of the document, or of the one it was carried over from."""
    current = submission
    for _depth in range(CARRIED_DEPTH):
        version = current.versions.order_by("-uploaded_at", "-pk").first()
        if version is not None or current.carried_from_id is None:
            return version
        current = Submission.objects.only("id", "carried_from_id").get(pk=current.carried_from_id)
    return None


ISSUED_FILTERS = [
    REGISTRATION_ID,
    filters.Filter("kind", "kind", filters.one_of(IssuedDocument.Kind.values), "Kind of document."),
    filters.Filter("status", "status", filters.one_of(IssuedDocument.Status.values), "Valid or revoked."),
    filters.Filter("serial", "serial", filters.text, "Serial number printed on the document."),
]


@described("issued documents", ISSUED_FILTERS)
class IssuedDocumentViewSet(ApiViewSet):
    resource = "issued_documents"
    serializer_class = serializers.IssuedDocumentSerializer
    list_filters = ISSUED_FILTERS
    deferred = ("data", "data_hash", "file")


REQUEST_FILTERS = [
    REGISTRATION_ID,
    filters.Filter("kind", "kind", filters.one_of(requests.Kind.values), "Kind of request."),
    filters.Filter("state", "state", filters.one_of(requests.State.values), "Request state."),
    filters.updated_since(),
]


@described("student requests", REQUEST_FILTERS)
class RequestViewSet(ApiViewSet):
    resource = "requests"
    serializer_class = serializers.RequestSerializer
    cursor_fields = ("updated_at", "id")
    list_filters = REQUEST_FILTERS
    deferred = ("assigned_to", "decided_by")


# --- Imports ------------------------------------------------------------------------------------


class ImportView(APIView):
    resource: str
    body: type
    records: str

    def importer(self, client, records, academic_year) -> dict:
        raise NotImplementedError

    def post(self, request):
        body = self.body(data=request.data)
        body.is_valid(raise_exception=True)
        code = body.validated_data.get("academic_year")
        year = AcademicYear.objects.filter(code=code).first() if code else AcademicYear.objects.current()
        if year is None:
            return Response(
                {"academic_year": [_("No such academic year.") if code else _("No current academic year.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.importer(client_of(request), body.validated_data[self.records], year))


@extend_schema(
    summary="Import admitted candidates",
    description="The same checks and idempotence as the CSV import: a candidate identical to what "
    "is stored changes nothing; every refused or doubtful record is listed by its position.",
    request=serializers.CandidatesImportSerializer,
    responses={200: serializers.ImportAnswerSerializer},
)
class CandidatesImportView(ImportView):
    resource = "candidates"
    body = serializers.CandidatesImportSerializer
    records = "candidates"

    def importer(self, client, records, academic_year):
        return imports.import_candidates(client, records, academic_year)


@extend_schema(
    summary="Import last year's results",
    description="The same checks and idempotence as the CSV import of results.",
    request=serializers.ResultsImportSerializer,
    responses={200: serializers.ImportAnswerSerializer},
)
class ResultsImportView(ImportView):
    resource = "results"
    body = serializers.ResultsImportSerializer
    records = "results"

    def importer(self, client, records, academic_year):
        return imports.import_results(client, records, academic_year)


# --- Documentation ------------------------------------------------------------------------------


@cache
def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def docs(request):
    """The API's reference, rendered on the server from the OpenAPI schema: no script, so it
    works under the site's strict CSP (Swagger UI and Redoc would load theirs from a CDN)."""
    schema = _schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = next((c["schema"].get("$ref", "") for c in content.values()), "")
            operations.append(
                {"path": path, "method": method.upper(), "body": body.rsplit("/", 1)[-1], **operation}
            )
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})
