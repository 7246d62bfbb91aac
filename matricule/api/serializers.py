"""What the API shows of each row (read), and the bodies it accepts (write). Every list reads
its page in a constant number of queries: the views select and prefetch what these read."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matricule.certificates.models import IssuedDocument
from matricule.documents.models import Submission
from matricule.payments.models import Payment
from matricule.registration.models import Registration, Student
from matricule.requests.models import Request

# The contact fields of a registration's form that the API gives (not the email confirmation).
CONTACT_FIELDS = (
    "street",
    "postal_code",
    "city",
    "country",
    "same_permanent_address",
    "permanent_address",
    "phone",
    "email",
    "emergency_name",
    "emergency_phone",
)


class RegistrationSerializer(serializers.ModelSerializer):
    student = serializers.IntegerField(source="student_id")
    student_number = serializers.CharField(source="student.student_number", allow_null=True)
    academic_year = serializers.CharField(source="academic_year.code")
    stage = serializers.CharField(source="stage.code")
    stage_name = serializers.CharField(source="stage.name")
    programme = serializers.CharField(source="stage.programme.code")
    component = serializers.CharField(source="stage.programme.component.code")

    class Meta:
        model = Registration
        fields = [
            "id",
            "student",
            "student_number",
            "academic_year",
            "stage",
            "stage_name",
            "programme",
            "component",
            "kind",
            "state",
            "fee_total_cents",
            "created_at",
            "updated_at",
            "submitted_at",
            "registered_at",
            "cancelled_at",
        ]


class ContactsSerializer(serializers.Serializer):
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    same_permanent_address = serializers.CharField(help_text="yes or no")
    permanent_address = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.EmailField()
    emergency_name = serializers.CharField()
    emergency_phone = serializers.CharField()


class StudentSerializer(serializers.ModelSerializer):
    ine = serializers.SerializerMethodField(help_text="National student identifier (INE), empty if none.")
    account_email = serializers.EmailField(source="user.email")
    contacts = serializers.SerializerMethodField(
        help_text="As given in the latest registration the client may see ({} when none)."
    )
    registrations = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = [
            "id",
            "student_number",
            "last_name",
            "first_names",
            "sex",
            "birth_date",
            "ine",
            "account_email",
            "contacts",
            "registrations",
        ]

    @staticmethod
    def _latest(student) -> Registration | None:
        visible = getattr(student, "visible_registrations", [])
        return visible[0] if visible else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_ine(self, student) -> str:
        for registration in getattr(student, "visible_registrations", []):
            ine = (registration.cleaned.get("ine") or {}).get("ine")
            if ine:
                return ine
            if registration.candidate is not None and registration.candidate.ine:
                return registration.candidate.ine
        return ""

    @extend_schema_field(ContactsSerializer)
    def get_contacts(self, student) -> dict:
        latest = self._latest(student)
        contacts = (latest.cleaned.get("contacts") or {}) if latest else {}
        return {name: contacts[name] for name in CONTACT_FIELDS if name in contacts}

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_registrations(self, student) -> list[int]:
        return [registration.pk for registration in getattr(student, "visible_registrations", [])]


class PaymentSerializer(serializers.ModelSerializer):
    registration = serializers.IntegerField(source="registration_id")

    class Meta:
        model = Payment
        fields = [
            "id",
            "registration",
            "reference",
            "gateway",
            "manual",
            "manual_method",
            "amount_cents",
            "currency",
            "paid_cents",
            "refunded_cents",
            "status",
            "anomaly",
            "fee_key",
            "transaction_id",
            "instalment",
            "instalment_count",
            "due_on",
            "created_at",
            "updated_at",
            "confirmed_at",
        ]


class VersionSerializer(serializers.Serializer):
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class DocumentSerializer(serializers.ModelSerializer):
    registration = serializers.IntegerField(source="registration_id")
    document_type = serializers.CharField(source="document_type.code")
    document_type_name = serializers.CharField(source="document_type.name")
    reason = serializers.CharField(source="reason.label", allow_null=True, default=None)
    carried_from = serializers.IntegerField(source="carried_from_id", allow_null=True)
    latest_version = serializers.SerializerMethodField(
        help_text="The latest file uploaded for this document (null when none, or carried over)."
    )
    download = serializers.SerializerMethodField(help_text="Where to download the file (null when missing).")

    class Meta:
        model = Submission
        fields = [
            "id",
            "registration",
            "document_type",
            "document_type_name",
            "status",
            "reason",
            "comment",
            "submitted_at",
            "reviewed_at",
            "valid_until",
            "carried_from",
            "latest_version",
            "download",
        ]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_latest_version(self, submission):
        versions = getattr(submission, "newest_versions", None)
        if versions is None:
            versions = list(submission.versions.order_by("-uploaded_at", "-pk")[:1])
        return VersionSerializer(versions[0]).data if versions else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, submission) -> str | None:
        if submission.status == Submission.Status.MISSING:
            return None
        path = reverse("api:document-file", args=[submission.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class IssuedDocumentSerializer(serializers.ModelSerializer):
    registration = serializers.IntegerField(source="registration_id")

    class Meta:
        model = IssuedDocument
        fields = [
            "id",
            "serial",
            "kind",
            "registration",
            "language",
            "status",
            "signed",
            "issued_at",
            "revoked_at",
            "revoke_reason",
        ]


class RequestSerializer(serializers.ModelSerializer):
    registration = serializers.IntegerField(source="registration_id")
    student = serializers.IntegerField(source="student_id")

    class Meta:
        model = Request
        fields = [
            "id",
            "registration",
            "student",
            "kind",
            "state",
            "data",
            "message",
            "outcome",
            "created_at",
            "updated_at",
            "decided_at",
        ]


# --- Writes -----------------------------------------------------------------------------------


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("validate", "validate"), ("refuse", "refuse")])
    reason = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of a refusal reason (refuse: a reason or a comment)."
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    valid_until = serializers.DateField(
        required=False, allow_null=True, help_text="Validate: the expiry of an identity document."
    )


# At most this many records per call: a larger batch is sent in several calls.
MAX_RECORDS = 5000


class CandidatesImportSerializer(serializers.Serializer):
    academic_year = serializers.CharField(
        required=False, max_length=9, help_text="e.g. 2025-2026; default: the current campaign."
    )
    candidates = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_RECORDS,
        help_text="Objects keyed by the columns of the CSV import (numero_parcoursup, nom, prenom, "
        "date_naissance, email, code_formation_psup, code_situation, and the optional ones), "
        "values as written in the file (dates DD/MM/YYYY).",
    )


class ResultsImportSerializer(serializers.Serializer):
    academic_year = serializers.CharField(
        required=False, max_length=9, help_text="The campaign the results prepare; default: the current one."
    )
    results = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_RECORDS,
        help_text="Objects with numero_etudiant, annee (e.g. 2024-2025), code_etape, resultat.",
    )


class ImportIssueSerializer(serializers.Serializer):
    item = serializers.IntegerField(allow_null=True, help_text="Position in the list sent, from 1.")
    column = serializers.CharField()
    severity = serializers.ChoiceField(choices=[("error", "error"), ("warning", "warning")])
    code = serializers.CharField()
    message = serializers.CharField()
    params = serializers.DictField()


class ImportAnswerSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    issues = ImportIssueSerializer(many=True)
