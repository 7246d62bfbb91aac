"""Fixtures of the back-office tests (`staff_client` comes from tests/conftest.py), and the data
several test modules share: for the exports (`exports`), the dashboard (`dataset`), the search
(`chloe`), the student's file (`chloe_file`), the audit log (`events`) and the desk (`geii1`,
`zofia_cvec`)."""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from matricule.accounts.models import ComponentMembership
from matricule.admissions.models import Candidate, Result
from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.documents.models import DocumentType, RefusalReason, Submission
from matricule.institution.models import AcademicYear, Component, Stage
from matricule.payments.models import Payment
from matricule.registration.models import Registration, Student
from tests.payments.conftest import submitted_registration
from tests.registration.test_desk import geii1, zofia_cvec  # noqa: F401 - the desk's fixtures

_numbers = itertools.count(1)


def make_registrations(
    stage_code: str,
    count: int,
    state: str,
    year,
    *,
    created_at=None,
    submitted_at=None,
    last_name="Étudiant",
    first_names="Test",
    batch_size=2000,
):
    """`count` students, each with one registration in the stage (bulk, no services)."""
    stage = Stage.objects.get(code=stage_code)
    serial = next(_numbers)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bo-{serial}-{n}") for n in range(count)], batch_size=batch_size
    )
    students = Student.objects.bulk_create(
        [Student(user=user, last_name=last_name, first_names=first_names) for user in users],
        batch_size=batch_size,
    )
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                student=student, academic_year=year, stage=stage, state=state, submitted_at=submitted_at
            )
            for student in students
        ],
        batch_size=batch_size,
    )
    if created_at is not None:  # auto_now_add: set afterwards
        Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(created_at=created_at)
    return registrations


@pytest.fixture
def auditor(demo, django_user_model):
    """A read-only auditor of the IUT de Chartres."""
    user = django_user_model.objects.create_user(
        username="auditor.chartres", first_name="Alice", last_name="Auditrice"
    )
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-chartres"), role=ComponentMembership.Role.AUDITOR
    )
    return user


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def days_ago(now):
    def make(days, hours=0):
        return now - datetime.timedelta(days=days, hours=hours)

    return make


# --- Exports ---------------------------------------------------------------------------------


class Dataset:
    """IUT de Chartres: Chloé registered (GEII-1), Inès awaiting payment (GEA-1) with two
    payment attempts, Nadia registered at the desk in continuing education (GMP-1);
    IUT d'Orléans: Léa registered (INFO-1)."""


def export_job(user, year, exporter="payments", columns=("reference",), filters=None, format="csv", **fields):
    """An export the user asked for, of the year's data: the exporter's columns, filtered."""
    from matricule.backoffice.models import ExportJob

    params = {"year": year.pk, "columns": list(columns), "filters": filters or {}}
    return ExportJob.objects.create(user=user, exporter=exporter, format=format, params=params, **fields)


def failed_then_pending(registration, references, amount_cents, fee_key):
    """Two card payments of the registration's fees (in the simulator), under these references:
    the first failed, the second still pending."""
    return [
        Payment.objects.create(
            registration=registration,
            reference=reference,
            gateway="simulator",
            amount_cents=amount_cents,
            status=status,
            fee_key=fee_key,
        )
        for reference, status in zip(references, [Payment.Status.FAILED, Payment.Status.PENDING], strict=True)
    ]


@pytest.fixture
def exports(demo, demo_candidates, immediate_tasks, django_capture_on_commit_callbacks, django_user_model):
    year = demo.current_year
    ines = demo_candidates["complementary"]
    Candidate.objects.filter(pk=ines.pk).update(phase="principale")  # so she may register today
    ines.refresh_from_db()
    lea = Candidate.objects.get(academic_year=year, first_names="Léa Anne")
    data = Dataset()
    data.year = year
    with django_capture_on_commit_callbacks(execute=True):
        data.chloe = submitted_registration(demo_candidates["accepted"], year, grant="crous")
        data.ines = submitted_registration(ines, year)
        data.lea = submitted_registration(lea, year, grant="crous")
    data.failed, data.pending = failed_then_pending(
        data.ines, ["EXP-1", "EXP-2"], 17800, f"{data.ines.pk}:fees"
    )
    # Nadia, registered at the desk (continuing education): no form data but her admission.
    nadia = demo_candidates["continuing_education"]
    student = Student.objects.create(
        user=django_user_model.objects.create(username="nadia"), student_number="X0000001"
    )
    data.nadia = Registration.objects.create(
        student=student,
        academic_year=year,
        stage=Stage.objects.get(code="GMP-1"),
        candidate=nadia,
        state="registered",
    )
    # Chloé was already here in 2024-2025, straight from secondary school.
    data.earlier = Registration.objects.create(
        student=data.chloe.student,
        academic_year=AcademicYear.objects.get(code="2024-2025"),
        stage=data.chloe.stage,
        state="registered",
        cleaned={"previous": {"last_situation": "secondary"}},
    )
    # Léa has a result of 2023-2024 from the student records system.
    Result.objects.create(
        student_number=data.lea.student.student_number,
        year_code="2023-2024",
        stage=data.lea.stage,
        result="ADM",
    )
    return data


# --- Dashboard -------------------------------------------------------------------------------


def payment(registration, status, *, anomaly="", created_at=None, paid=None):
    row = Payment.objects.create(
        registration=registration,
        reference=f"T{Payment.objects.count() + 1:08d}",
        gateway="simulator",
        amount_cents=17800,
        paid_cents=paid,
        status=status,
        anomaly=anomaly,
        fee_key=f"test-{registration.pk}-{Payment.objects.count()}",
    )
    if created_at is not None:
        Payment.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


@pytest.fixture
def dataset(demo, days_ago, now):
    """IUT de Chartres: GEII-1 with 3 drafts started yesterday and 2 registered started today,
    GEA-1 with 1 submitted; IUT d'Orléans: INFO-1 with 4 registered; last year: 1 GEII-1."""
    year = demo.current_year
    today_noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    yesterday_noon = today_noon - datetime.timedelta(days=1)
    drafts = make_registrations("GEII-1", 3, "draft", year, created_at=yesterday_noon)
    registered = make_registrations(
        "GEII-1", 2, "registered", year, created_at=today_noon, submitted_at=today_noon
    )
    submitted = make_registrations(
        "GEA-1", 1, "submitted", year, created_at=today_noon, submitted_at=today_noon
    )
    orleans = make_registrations(
        "INFO-1", 4, "registered", year, created_at=today_noon, submitted_at=today_noon
    )
    make_registrations("GEII-1", 1, "registered", AcademicYear.objects.get(code="2024-2025"))
    identity = DocumentType.objects.get(code="identity")
    oldest = days_ago(3)
    Submission.objects.create(
        registration=registered[0], document_type=identity, status="submitted", submitted_at=oldest
    )
    Submission.objects.create(
        registration=registered[1], document_type=identity, status="submitted", submitted_at=days_ago(1)
    )
    Submission.objects.create(
        registration=registered[1],
        document_type=DocumentType.objects.get(code="photo"),
        status="validated",
        submitted_at=days_ago(2),
    )
    Submission.objects.create(
        registration=orleans[0], document_type=identity, status="submitted", submitted_at=days_ago(5)
    )
    stuck_at = now - datetime.timedelta(hours=2)
    payment(submitted[0], Payment.Status.PENDING, created_at=stuck_at)  # stuck
    payment(submitted[0], Payment.Status.PENDING, created_at=now - datetime.timedelta(minutes=5))  # recent
    payment(registered[0], Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.UNDERPAID, paid=10000)
    payment(registered[1], Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.DUPLICATE, paid=17800)
    payment(registered[1], Payment.Status.CONFIRMED, paid=17800)
    payment(orleans[0], Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.OVERPAID, paid=20000)
    return {
        "oldest_document": oldest,
        "stuck_at": stuck_at,
        "today": today_noon.date(),
        "yesterday": yesterday_noon.date(),
        "drafts": drafts,
    }


# --- Search and the student's file ------------------------------------------------------------


@pytest.fixture
def chloe(demo, demo_candidates):
    """Chloé LEFÈVRE, GEII-1 at the IUT de Chartres, with a student number."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    student = registration.student
    student.student_number = "26000042"
    student.save(update_fields=["student_number"])
    return student


@pytest.fixture
def chloe_file(demo, demo_candidates, iut_agent):
    """Chloé, submitted and awaiting payment, with a failed then a pending card payment and two
    documents (one refused with a reason), and an event recorded about each."""
    registration = submitted_registration(demo_candidates["accepted"], demo.current_year)
    failed, _ = failed_then_pending(
        registration,
        ["MATFAILED0001", "MATPENDING0002"],
        registration.fee_total_cents or 0,
        f"registration-{registration.pk}",
    )
    record("payments.failed", obj=failed)
    reason = RefusalReason.objects.create(label_fr="Document illisible", label_en="Unreadable document")
    refused = Submission.objects.create(
        registration=registration,
        document_type=DocumentType.objects.get(code="identity"),
        status="refused",
        reason=reason,
        comment="Photo floue",
        reviewed_by=iut_agent,
    )
    record("documents.refused", actor=iut_agent, obj=refused)
    Submission.objects.create(
        registration=registration, document_type=DocumentType.objects.get(code="photo"), status="submitted"
    )
    return registration


# --- Audit log -------------------------------------------------------------------------------


@pytest.fixture
def events(demo, iut_agent, administrator):
    """120 events of an agent on registrations, 3 of the administrator on payments."""
    Event.objects.all().delete()
    for n in range(120):
        Event.objects.create(
            action="registration.registered",
            actor=iut_agent,
            object_type="registration.registration",
            object_id=str(n),
            data={"n": n},
            address="192.0.2.7",
        )
    for n in range(3):
        Event.objects.create(
            action="payments.refunded",
            actor=administrator,
            object_type="payments.payment",
            object_id=str(n),
            data={"amount_cents": 100 * n},
        )
    return Event.objects.order_by("-pk")


# --- Desk registration -----------------------------------------------------------------------
