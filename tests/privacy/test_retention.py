"""The retention schedule (privacy/retention.py): each class of personal data removed once its
delay is over and not before, nothing else with it, files gone from the storage too, a purged
registration's certificates still verifiable, and a dry run that changes nothing."""

import dataclasses
import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Max
from django.utils import timezone, translation

from matricule.accounts.admission_login import user_for_candidate
from matricule.accounts.models import ActivationToken, LoginLink, Throttle
from matricule.admissions.models import Candidate, ImportIssue, ImportRun
from matricule.audit.models import Event
from matricule.backoffice.dashboard import compute_snapshot
from matricule.backoffice.models import ExportJob
from matricule.certificates import services as certificates
from matricule.certificates.models import IssuedDocument
from matricule.documents import services as documents
from matricule.documents.models import DocumentType, Preview, Submission, Version
from matricule.institution.models import AcademicYear
from matricule.notifications.models import Email
from matricule.payments.models import Notification
from matricule.privacy import retention
from matricule.registration import services as registrations
from matricule.registration.models import Registration, State, Student
from matricule.requests import services as requests
from matricule.requests.models import Kind, Request
from matricule.scheduling import registry

from .retention_fixtures import (  # noqa: F401
    documented,
    end_of_year,
    png_bytes,
    private_media,
    registered,
    stored,
    travel,
    upload_file,
)

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def admitted_by_stage(year) -> dict[int, int]:
    """The dashboard's admitted candidates per stage (its stored summary's figures)."""
    return {pk: figures.admitted for pk, figures in compute_snapshot(year).stages.items()}


def years_after(moment: datetime.datetime, years: int) -> datetime.datetime:
    return moment.replace(year=moment.year + years)


def applied() -> dict:
    """One real run, as the daily job makes it."""
    return retention.apply()


# --- The table -------------------------------------------------------------------------------------


def test_the_table_declares_each_class_once_with_its_delay_end_and_reason(settings):
    codes = [data_class.code for data_class in retention.CLASSES]
    assert len(codes) == len(set(codes))
    assert {"links", "throttles", "unregistered_candidates", "replaced_documents", "documents"} <= set(codes)
    assert {"registrations", "payment_notifications", "email_bodies", "emails", "import_runs"} <= set(codes)
    assert {"exports", "audit_events"} <= set(codes)
    for data_class in retention.CLASSES:
        assert data_class.end in retention.END_LABELS
        assert str(data_class.label) and str(data_class.holds) and str(data_class.basis)
        assert str(data_class.outcome)
        for name in data_class.settings:
            assert hasattr(settings, name), name
    settings.MATRICULE_APPEAL_DELAY_DAYS = 75
    with translation.override("en"):
        assert (
            retention.by_code("replaced_documents").delay() == "75 days after the decision or the replacement"
        )


# --- Links, counters, sessions ---------------------------------------------------------------------


def test_spent_links_go_a_day_after_use_or_expiry_live_ones_stay(demo_candidates, django_user_model):
    now = timezone.now()
    candidate = demo_candidates["accepted"]
    user = django_user_model.objects.create_user("someone")
    expired = LoginLink.objects.create(token_hash="a" * 64, candidate=candidate, expires_at=now)
    used = ActivationToken.objects.create(
        token_hash="b" * 64,
        user=user,
        purpose="reset",
        email="x@example.org",
        expires_at=now + HOUR,
        used_at=now,
    )
    live = LoginLink.objects.create(token_hash="c" * 64, user=user, expires_at=now + 3 * DAY)

    with travel(now + 23 * HOUR):
        assert applied()["links"] == 0
    assert (
        LoginLink.objects.filter(pk=expired.pk).exists()
        and ActivationToken.objects.filter(pk=used.pk).exists()
    )

    with travel(now + 25 * HOUR):
        assert applied()["links"] == 2
    assert not LoginLink.objects.filter(pk=expired.pk).exists()
    assert not ActivationToken.objects.filter(pk=used.pk).exists()
    assert LoginLink.objects.filter(pk=live.pk).exists()


def test_idle_rate_limit_counters_go_locked_or_recent_ones_stay(demo):
    now = timezone.now()
    idle = Throttle.objects.create(
        scope="link_request", key="P1", count=2, window_started_at=now, last_event_at=now
    )
    locked = Throttle.objects.create(
        scope="account_link",
        key="7",
        count=5,
        window_started_at=now,
        last_event_at=now,
        locked_until=now + 2 * DAY,
    )
    with travel(now + 23 * HOUR):
        assert applied()["throttles"] == 0
    with travel(now + 25 * HOUR):
        recent = Throttle.objects.create(
            scope="link_request", key="P2", count=1, window_started_at=timezone.now()
        )
        assert applied()["throttles"] == 1
    assert set(Throttle.objects.values_list("pk", flat=True)) == {locked.pk, recent.pk}
    assert not Throttle.objects.filter(pk=idle.pk).exists()


def test_expired_sessions_go(demo):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="x", expire_date=now - HOUR)
    Session.objects.create(session_key="live", session_data="x", expire_date=now + HOUR)
    assert applied()["sessions"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


# --- Admitted candidates who never registered ------------------------------------------------------


def campaign_closes(year) -> datetime.datetime:
    return year.windows.aggregate(last=Max("closes_at"))["last"]


def test_candidates_who_never_registered_are_pseudonymised_after_the_campaign(
    documented,  # noqa: F811
    demo_candidates,
    settings,
):
    year = documented.academic_year
    moussa, lea, chloe = (
        demo_candidates["keeping_wishes"],
        demo_candidates_lea(year),
        demo_candidates["accepted"],
    )
    moussa_user = user_for_candidate(moussa)
    lea_user = user_for_candidate(lea)
    draft = registrations.start_registration(lea, user=lea_user)  # started, never finished
    assert draft.data
    figures = admitted_by_stage(year)
    due = campaign_closes(year) + datetime.timedelta(days=settings.MATRICULE_CANDIDATE_RETENTION_DAYS)

    with travel(due - HOUR):
        assert applied()["unregistered_candidates"] == 0
    moussa.refresh_from_db()
    assert moussa.last_name == "N'DIAYE" and moussa.purged_at is None

    with travel(due + HOUR):
        assert (
            applied()["unregistered_candidates"] == Candidate.objects.filter(academic_year=year).count() - 1
        )
    moussa.refresh_from_db()
    assert (moussa.last_name, moussa.first_names, moussa.email, moussa.email_lower, moussa.phone) == ("",) * 5
    assert moussa.birth_date.month == 1 and moussa.birth_date.day == 1 and moussa.purged_at is not None
    # What the admission figures read stays: the row, its number, stage and situation.
    assert (
        moussa.parcoursup_number.endswith("0012346")
        and moussa.stage.code == "GEII-1"
        and moussa.situation == "2"
    )
    assert admitted_by_stage(year) == figures
    moussa_user.refresh_from_db()
    assert not moussa_user.is_active and moussa_user.email == "" and moussa_user.last_name == ""
    assert moussa_user.username == f"purged-{moussa_user.pk}" and not moussa_user.has_usable_password()
    # The unfinished registration's form data go with the admission; the row stays.
    draft.refresh_from_db()
    assert draft.data == {} and draft.cleaned == {} and draft.purged_at is not None
    assert Student.objects.get(user=lea_user).last_name == ""
    # Registered: kept whole (the registration's own delay applies).
    chloe.refresh_from_db()
    assert chloe.last_name == "LEFÈVRE" and chloe.purged_at is None
    documented.refresh_from_db()
    assert documented.purged_at is None and documented.cleaned
    assert documented.student.user.is_active and documented.student.last_name == "LEFÈVRE"


def demo_candidates_lea(year):
    return Candidate.objects.get(academic_year=year, parcoursup_number__endswith="0012351")


# --- Documents and attachments ---------------------------------------------------------------------


def preview_of(version) -> Preview:
    preview = Preview(version=version, page=1, content_type="image/png")
    preview.file.save("page.png", ContentFile(png_bytes()), save=True)
    return preview


def test_refused_and_replaced_files_go_after_the_appeal_delay(registered, iut_agent, settings):  # noqa: F811
    student = registered.student.user
    photo = registered.submissions.get(document_type__code="photo")
    replaced = documents.upload(photo, upload_file(), actor=student)
    preview = preview_of(replaced)
    documents.refuse(photo, agent=iut_agent, comment="Floue")
    current = documents.upload(photo, upload_file(), actor=student)
    identity = registered.submissions.get(document_type__code="identity")
    refused = documents.upload(identity, upload_file(), actor=student)
    documents.refuse(identity, agent=iut_agent, comment="Illisible")
    bac = registered.submissions.get(document_type__code="bac")
    validated = documents.upload(bac, upload_file(), actor=student)
    documents.decide(bac, agent=iut_agent, validate=True)
    refused_request = requests.file_request(
        registered,
        Kind.CARD_REISSUE,
        {"reason": "lost"},
        [upload_file("loss.png", png_bytes())],
        actor=student,
    )
    requests.refuse(refused_request, actor=iut_agent, message="Pas de déclaration")
    open_request = requests.file_request(
        registered,
        Kind.FEE_EXEMPTION,
        {"grounds": "x"},
        [upload_file("proof.png", png_bytes())],
        actor=student,
    )
    gone_files = [replaced.file.name, preview.file.name, refused.file.name]
    gone_files += [a.file.name for a in refused_request.attachments.all()]
    kept_files = [current.file.name, validated.file.name] + [
        a.file.name for a in open_request.attachments.all()
    ]
    assert all(stored(name) for name in gone_files + kept_files)
    delay = datetime.timedelta(days=settings.MATRICULE_APPEAL_DELAY_DAYS)

    with travel(timezone.now() + delay - HOUR):
        assert applied()["replaced_documents"] == 0
    assert all(stored(name) for name in gone_files)

    with travel(timezone.now() + delay + HOUR):
        assert applied()["replaced_documents"] == 3  # the replaced and the refused versions, the attachment
    assert not any(stored(name) for name in gone_files)
    assert all(stored(name) for name in kept_files)
    assert set(Version.objects.values_list("pk", flat=True)) == {current.pk, validated.pk}
    assert not Preview.objects.exists()
    # The documents and requests keep their status and decision.
    identity.refresh_from_db()
    photo.refresh_from_db()
    assert (identity.status, identity.comment) == ("refused", "Illisible") and photo.status == "submitted"
    assert Request.objects.get(pk=refused_request.pk).state == "refused"
    assert open_request.attachments.count() == 1


def next_year_with_carried_identity(registration) -> Registration:
    """The student registered again the year after, her identity document carried over."""
    first = registration.academic_year.first_year + 1
    year = AcademicYear.objects.create(
        code=f"{first}-{first + 1}",
        starts_on=datetime.date(first, 9, 1),
        ends_on=datetime.date(first + 1, 8, 31),
        cvec_amount_cents=10500,
    )
    later = Registration.objects.create(
        student=registration.student,
        academic_year=year,
        stage=registration.stage,
        kind="reregistration",
        state=State.REGISTERED,
        registered_at=timezone.now(),
    )
    Submission.objects.create(
        registration=later,
        document_type=DocumentType.objects.get(code="identity"),
        status=Submission.Status.VALIDATED,
        carried_from=registration.submissions.get(document_type__code="identity"),
    )
    return later


def test_documents_of_past_years_go_with_their_previews_unless_carried_into_a_later_year(
    documented,  # noqa: F811
    settings,
):
    later = next_year_with_carried_identity(documented)
    versions = {
        v.submission.document_type.code: v
        for v in Version.objects.filter(submission__registration=documented)
    }
    identity = versions.pop("identity")
    preview = preview_of(versions["photo"])
    files = [v.file.name for v in versions.values()] + [preview.file.name]
    due = years_after(end_of_year(documented), settings.MATRICULE_DOCUMENT_RETENTION_YEARS)

    with travel(due - DAY):
        assert applied()["documents"] == 0
    assert all(stored(name) for name in files + [identity.file.name])

    with travel(due + DAY):
        assert applied()["documents"] == len(versions)
    assert not any(stored(name) for name in files)
    assert list(Version.objects.values_list("pk", flat=True)) == [identity.pk]
    assert stored(identity.file.name)  # still the later registration's document
    assert set(documented.submissions.values_list("status", flat=True)) == {"validated"}

    with travel(years_after(end_of_year(later), settings.MATRICULE_DOCUMENT_RETENTION_YEARS) + DAY):
        assert applied()["documents"] == 1
    assert not Version.objects.exists() and not stored(identity.file.name)


# --- Registration files, and the certificates that stay verifiable ----------------------------------


@pytest.fixture
def certified(documented):  # noqa: F811
    """Chloé's certificate issued; her summary (issued at registration) revoked meanwhile."""
    certificate = certificates.issue_certificate(documented, "fr")
    summary = IssuedDocument.objects.get(registration=documented, kind="summary")
    IssuedDocument.objects.filter(pk=summary.pk).update(status="revoked", revoked_at=timezone.now())
    return certificate, IssuedDocument.objects.get(pk=summary.pk)


def test_a_purged_registration_keeps_its_rows_and_its_certificates_verifiable(
    documented,  # noqa: F811
    certified,
    client,
    settings,
):
    certificate, summary = certified
    student, user = documented.student, documented.student.user
    files = [certificate.file.name, summary.file.name]
    assert all(stored(name) for name in files)
    others = set(Registration.objects.exclude(pk=documented.pk).values_list("pk", flat=True))
    due = years_after(end_of_year(documented), settings.MATRICULE_REGISTRATION_RETENTION_YEARS)

    with travel(due - DAY):
        applied()
    documented.refresh_from_db()
    assert documented.purged_at is None and documented.cleaned and all(stored(name) for name in files)

    with travel(due + DAY):
        assert applied()["registrations"] >= 1
        page = client.get(f"/verifier/{certificate.serial}/")
        revoked_page = client.get(f"/verifier/{summary.serial}/").content.decode()
    documented.refresh_from_db()
    assert documented.purged_at is not None and documented.data == {} and documented.cleaned == {}
    # What statistics and accounting read stays.
    assert (documented.state, documented.stage_id, documented.academic_year_id) == (
        "registered",
        documented.stage_id,
        documented.academic_year_id,
    )
    assert Registration.objects.filter(pk__in=others).count() == len(others)
    certificate.refresh_from_db()
    assert certificate.purged_at is not None and certificate.data == {} and not certificate.file
    assert (certificate.holder_initials, certificate.academic_year_code) == (
        "C. L.",
        documented.academic_year.code,
    )
    assert certificate.stage_name == documented.stage.name and certificate.status == "valid"
    assert not any(stored(name) for name in files)
    student.refresh_from_db()
    user.refresh_from_db()
    assert (student.last_name, student.first_names, student.birth_date) == ("", "", None)
    assert student.student_number and not user.is_active and user.email == ""
    assert Candidate.objects.get(pk=documented.candidate_id).last_name == ""

    # The public verification page: valid or revoked, initials, year and stage, nothing more.
    text = page.content.decode()
    assert page.status_code == 200 and "Authentique et valide" in text
    assert "C. L." in text and documented.academic_year.code in text and documented.stage.name in text
    assert "LEFÈVRE" not in text and "Chloé" not in text and documented.student.student_number not in text
    assert "Révoqué" in revoked_page and "C. L." in revoked_page and "LEFÈVRE" not in revoked_page


def test_pages_still_render_for_a_purged_registration(
    documented,  # noqa: F811
    certified,
    client,
    staff_client,
    administrator,
):
    """A student still here (registered in a later year) keeps her account; her old registration's
    pages still answer, and the back office still shows her file."""
    later_year = AcademicYear.objects.create(
        code="2099-2100",
        starts_on=datetime.date(2099, 9, 1),
        ends_on=datetime.date(2100, 8, 31),
        cvec_amount_cents=1,
    )
    Registration.objects.create(
        student=documented.student, academic_year=later_year, stage=documented.stage, state=State.REGISTERED
    )
    certificate, _summary = certified
    with travel(years_after(end_of_year(documented), 6)):
        applied()
        documented.refresh_from_db()
        assert documented.purged_at is not None
        user = documented.student.user
        user.refresh_from_db()
        assert user.is_active and documented.student.last_name == "LEFÈVRE"  # still a student
        client.force_login(user)
        assert client.get(f"/inscription/{documented.pk}/").status_code == 200
        assert client.get(f"/inscription/{documented.pk}/pieces/").status_code in (200, 302)
        assert client.get(f"/inscription/{documented.pk}/certificat/").status_code == 409
        assert client.get(f"/inscription/{documented.pk}/certificat-fr.pdf").status_code == 404
        assert client.get(f"/inscription/{documented.pk}/recapitulatif.pdf").status_code == 404
        # Nothing was issued again (which would revoke the one still verifiable).
        certificate.refresh_from_db()
        assert certificate.status == "valid"
        assert not IssuedDocument.objects.filter(registration=documented, purged_at__isnull=True).exists()
        back_office = staff_client(administrator)
        file_page = back_office.get(f"/gestion/etudiant/{documented.student_id}/")
        assert file_page.status_code == 200 and certificate.serial in file_page.content.decode()


# --- Payments, emails, imports, exports, audit -----------------------------------------------------


def test_gateway_notifications_lose_their_raw_content_payments_stay(demo, settings):
    old = Notification.objects.create(
        gateway="simulator", channel="server", reference="R1", raw="email=a@b.c"
    )
    delay = datetime.timedelta(days=settings.MATRICULE_PAYMENT_NOTIFICATION_RETENTION_DAYS)
    with travel(timezone.now() + delay - HOUR):
        assert applied()["payment_notifications"] == 0
    with travel(timezone.now() + delay + HOUR):
        recent = Notification.objects.create(gateway="simulator", channel="server", reference="R2", raw="x")
        assert applied()["payment_notifications"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.raw, old.reference) == ("", "R1") and recent.raw == "x"


def email(key, status, **fields) -> Email:
    return Email.objects.create(
        key=key, kind="test", to="a@example.org", subject="s", body="Bonjour", status=status, **fields
    )


def test_sent_email_bodies_are_masked_then_the_log_rows_go(demo, settings):
    now = timezone.now()
    sent = email("sent", "sent", sent_at=now)
    failed = email("failed", "failed")
    queued = email("queued", "queued")
    body_delay = datetime.timedelta(days=settings.MATRICULE_EMAIL_BODY_RETENTION_DAYS)
    with travel(now + body_delay - HOUR):
        assert applied()["email_bodies"] == 0
    with travel(now + body_delay + HOUR):
        assert applied()["email_bodies"] == 1
    sent.refresh_from_db()
    failed.refresh_from_db()
    assert sent.body == retention.MASKED_BODY and not sent.kept_in_full and sent.to == "a@example.org"
    assert failed.body == "Bonjour" and failed.kept_in_full  # may still be sent again

    with travel(now + datetime.timedelta(days=settings.MATRICULE_EMAIL_RETENTION_DAYS) + HOUR):
        assert applied()["emails"] == 2
    assert list(Email.objects.filter(key__in=["sent", "failed", "queued"]).values_list("pk", flat=True)) == [
        queued.pk
    ]


def test_import_files_and_line_issues_go_the_counts_stay(demo, settings):
    year = demo.current_year
    name = default_storage.save("imports/left.csv", ContentFile(b"numero;nom\n1;DUPONT\n"))
    old = ImportRun.objects.create(academic_year=year, stored_file=name, status="queued", created=3)
    ImportIssue.objects.create(run=old, line_number=2, severity="error", code="email", params={"value": "x@"})
    delay = datetime.timedelta(days=settings.MATRICULE_IMPORT_RETENTION_DAYS)
    with travel(timezone.now() + delay - HOUR):
        assert applied()["import_runs"] == 0
    assert stored(name)
    with travel(timezone.now() + delay + HOUR):
        recent = ImportRun.objects.create(academic_year=year, status="done")
        ImportIssue.objects.create(run=recent, line_number=3, severity="warning", code="ine")
        assert applied()["import_runs"] == 1
    old.refresh_from_db()
    assert old.stored_file == "" and old.created == 3 and not stored(name)
    assert not old.issues.exists() and recent.issues.count() == 1


def test_a_students_data_download_goes_after_its_days(demo, iut_agent, settings):
    from matricule.privacy.models import DataExport

    settings.MATRICULE_DATA_EXPORT_RETENTION_DAYS = 7
    now = timezone.now()
    ready = DataExport.objects.create(user=iut_agent, requested_at=now, expires_at=now + 7 * DAY)
    ready.file.save("mine.zip", ContentFile(b"PK.."), save=True)
    DataExport.objects.filter(pk=ready.pk).update(state="ready", ready_at=now, size=4)
    with travel(now + 6 * DAY):
        assert applied()["data_exports"] == 0
    assert stored(ready.file.name)
    with travel(now + 8 * DAY):
        assert retention.apply(dry_run=True)["data_exports"] == 1
        assert applied()["data_exports"] == 1
    assert not DataExport.objects.exists() and not stored(ready.file.name)


def test_reminders_go_with_the_emails_log(demo, registered, settings):  # noqa: F811
    from matricule.backoffice.models import Reminder

    settings.MATRICULE_EMAIL_RETENTION_DAYS = 30
    today = timezone.localdate()
    old = Reminder.objects.create(student=registered.student, day=today - 40 * DAY, kind="manual")
    recent = Reminder.objects.create(student=registered.student, day=today - 20 * DAY, kind="manual")
    assert applied()["reminders"] == 1
    assert not Reminder.objects.filter(pk=old.pk).exists() and Reminder.objects.filter(pk=recent.pk).exists()


def test_exports_and_audit_events_go_through_their_own_purges(demo, iut_agent, settings):
    settings.MATRICULE_AUDIT_RETENTION_DAYS = 30
    job = ExportJob.objects.create(user=iut_agent, exporter="registrations", format="csv", status="done")
    job.file.save("export.csv", ContentFile(b"a;b\n"))
    old_event = Event.objects.create(action="test.old")
    with travel(timezone.now() + datetime.timedelta(days=6)):
        counts = applied()
    assert (counts["exports"], counts["audit_events"]) == (0, 0) and stored(job.file.name)
    with travel(timezone.now() + datetime.timedelta(days=31)):
        new_event = Event.objects.create(action="test.new")
        counts = applied()
    assert counts["exports"] == 1 and counts["audit_events"] >= 1
    assert not ExportJob.objects.filter(pk=job.pk).exists() and not stored(job.file.name)
    assert (
        not Event.objects.filter(pk=old_event.pk).exists() and Event.objects.filter(pk=new_event.pk).exists()
    )
    assert Event.objects.filter(action="audit.purged").count() == 1
    assert Event.objects.filter(action="backoffice.export.purged").count() == 1


# --- The run ---------------------------------------------------------------------------------------


def snapshot():
    return {
        "registrations": list(Registration.objects.order_by("pk").values("pk", "data", "purged_at")),
        "versions": list(Version.objects.order_by("pk").values_list("pk", "file")),
        "issued": list(IssuedDocument.objects.order_by("pk").values("pk", "data", "file", "purged_at")),
        "candidates": list(Candidate.objects.order_by("pk").values("pk", "last_name", "purged_at")),
        "emails": list(Email.objects.order_by("pk").values("pk", "body")),
        "links": LoginLink.objects.count() + ActivationToken.objects.count(),
        "events": Event.objects.count(),
    }


def test_a_dry_run_counts_per_class_and_changes_nothing(documented, certified):  # noqa: F811
    certificate, _summary = certified
    with travel(years_after(end_of_year(documented), 10)):
        before = snapshot()
        counts = retention.apply(dry_run=True)
        assert set(counts) == {data_class.code for data_class in retention.CLASSES}
        assert (
            counts["registrations"] >= 1
            and counts["documents"] >= 1
            and counts["unregistered_candidates"] >= 1
        )
        assert snapshot() == before
    assert stored(certificate.file.name)
    assert not Event.objects.filter(action="privacy.retention.applied").exists()


def test_a_run_is_recorded_once_and_a_second_run_finds_nothing(documented):  # noqa: F811
    with travel(years_after(end_of_year(documented), 10)):
        first = applied()
        second = applied()
    assert sum(first.values()) > 0 and sum(second.values()) == 0
    runs = list(Event.objects.filter(action="privacy.retention.applied").order_by("pk"))
    assert [run.data["counts"] for run in runs] == [first, second]
    assert runs[0].data["failed"] == [] and retention.last_run() == runs[1]


def test_a_failing_class_does_not_stop_the_others_and_the_next_run_finishes(documented, monkeypatch):  # noqa: F811
    def broken(due, now):
        raise RuntimeError("storage down")

    classes = tuple(
        dataclasses.replace(c, apply=broken) if c.code == "documents" else c for c in retention.CLASSES
    )
    monkeypatch.setattr(retention, "CLASSES", classes)
    with travel(years_after(end_of_year(documented), 10)):
        with pytest.raises(retention.RetentionFailed, match="documents"):
            applied()
        run = Event.objects.get(action="privacy.retention.applied")
        assert run.data["failed"] == ["documents"] and run.data["counts"]["registrations"] >= 1
        assert Version.objects.exists()
        monkeypatch.undo()
        assert applied()["documents"] >= 1
    assert not Version.objects.filter(submission__registration=documented).exists()


def test_a_file_the_storage_cannot_delete_is_logged_and_the_run_goes_on(documented, monkeypatch, caplog):  # noqa: F811
    from django.core.files.storage import FileSystemStorage

    names = list(Version.objects.values_list("file", flat=True))
    real_delete = FileSystemStorage.delete

    def delete(self, name):
        if name == names[0]:
            raise OSError("unreachable")
        return real_delete(self, name)

    monkeypatch.setattr(FileSystemStorage, "delete", delete)
    with travel(years_after(end_of_year(documented), 2)):
        assert applied()["documents"] == len(names)
    assert "could not be deleted" in caplog.text
    assert [name for name in names if stored(name)] == [names[0]]


def test_the_schedule_is_applied_daily_by_the_workers(demo):
    job = registry.JOBS["privacy.apply_retention"]
    assert job.every == datetime.timedelta(days=1)
    assert "backoffice.purge_audit" not in registry.JOBS and "backoffice.purge_exports" not in registry.JOBS
    job.function()
    assert Event.objects.filter(action="privacy.retention.applied").count() == 1
