# ruff: noqa: F811 - fixtures imported from the requests and documents tests are used as arguments
"""The student's download of their data (privacy/data_export.py): every field of every row about
them, read from the models' fields so that a field added later fails these tests until it is in
the download; the secrets left out; a readable summary; copies of their files within a bound; a
task that finishes once; expiry."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from markupsafe import escape

from matricule.accounts.models import AccountSecurity, ActivationToken, LoginLink
from matricule.admissions.models import Candidate
from matricule.audit.models import Event
from matricule.certificates.models import IssuedDocument
from matricule.directory.models import DirectoryAccount
from matricule.documents import services as documents
from matricule.documents.models import Submission, Version
from matricule.payments.models import Payment
from matricule.privacy import data_export
from matricule.privacy.data_export import DENIED_FIELDS, prepare, purge_expired, request_export
from matricule.privacy.models import DataExport
from matricule.registration.models import Registration, State, Student
from matricule.requests import services as requests
from matricule.requests.models import Attachment, Kind, Request
from tests.documents.conftest import png_bytes, upload_file
from tests.requests.conftest import file_request, paid, photo, private_media  # noqa: F401


def user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def fields_of(model) -> set[str]:
    """Every concrete field of the model but the secrets: what the download must hold."""
    return {field.name for field in model._meta.concrete_fields} - DENIED_FIELDS


@pytest.fixture
def student_data(paid, file_request, iut_agent, django_capture_on_commit_callbacks):
    """Chloé, registered and paid, with a document sent twice and validated, another refused, a
    request with an attachment (refused), an ENT account, an authenticator app and sign-in links."""
    registration = paid
    user = registration.student.user
    submissions = list(Submission.objects.filter(registration=registration).order_by("pk"))
    assert len(submissions) >= 2
    first, second = submissions[0], submissions[1]
    with django_capture_on_commit_callbacks(execute=True):
        documents.upload(first, upload_file("a.png", png_bytes(color=(1, 2, 3))), actor=user)
        documents.upload(first, upload_file("b.png", png_bytes(color=(4, 5, 6))), actor=user)
        documents.validate(first, agent=iut_agent)
        documents.upload(second, upload_file(), actor=user)
        documents.refuse(second, agent=iut_agent, comment="Illisible")
        card = file_request(
            registration, Kind.CARD_REISSUE, {"reason": "lost", "details": "Perdue"}, [photo()]
        )
        requests.refuse(card, actor=iut_agent, message="Justificatif illisible.")
    DirectoryAccount.objects.create(student=registration.student, uid="clefevre", dn="uid=clefevre,ou=people")
    AccountSecurity.objects.update_or_create(user=user, defaults={"activated_at": timezone.now()})
    TOTPDevice.objects.create(user=user, name="Mon téléphone", key="3132333435363738393031323334353637383930")
    LoginLink.objects.create(token_hash="f" * 64, candidate=registration.candidate, expires_at=timezone.now())
    LoginLink.objects.create(token_hash="d" * 64, user=user, expires_at=timezone.now())
    ActivationToken.objects.create(
        token_hash="e" * 64, user=user, purpose="activate", email="c@example.org", expires_at=timezone.now()
    )
    user.set_password("un mot de passe")
    user.security_stamp = "s3cr3tstamp0000000000000000000000"[:32]
    user.save()
    return registration


def prepared(user, capture, language="fr") -> DataExport:
    """Ask for the user's data and run the task, as the worker would once the request commits."""
    with capture(execute=True):
        export = request_export(user, language=language)
    export.refresh_from_db()
    assert export.state == DataExport.State.READY, export.error
    return export


def opened(export: DataExport) -> zipfile.ZipFile:
    with default_storage.open(export.file.name, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def content(export: DataExport) -> tuple[dict, str, zipfile.ZipFile]:
    archive = opened(export)
    return json.loads(archive.read("data.json")), archive.read("summary.html").decode(), archive


def test_the_download_holds_every_field_of_every_row_about_the_student(
    student_data, django_capture_on_commit_callbacks
):
    registration = student_data
    user = registration.student.user
    data, _summary, _archive = content(prepared(user, django_capture_on_commit_callbacks))

    [registration_data] = data["registrations"]
    expected = {
        "account": (user_model(), [data["account"]]),
        "account_security": (AccountSecurity, [data["account_security"]]),
        "authenticator_apps": (TOTPDevice, data["authenticator_apps"]),
        "login_links": (LoginLink, data["login_links"]),
        "activation_links": (ActivationToken, data["activation_links"]),
        "student": (Student, [data["student"]]),
        "admissions": (Candidate, data["admissions"]),
        "registrations": (Registration, data["registrations"]),
        "payments": (Payment, registration_data["payments"]),
        "documents": (Submission, registration_data["documents"]),
        "versions": (Version, [v for d in registration_data["documents"] for v in d["versions"]]),
        "requests": (Request, registration_data["requests"]),
        "attachments": (Attachment, [a for r in registration_data["requests"] for a in r["attachments"]]),
        "issued_documents": (IssuedDocument, registration_data["issued_documents"]),
        "directory_account": (DirectoryAccount, [data["directory_account"]]),
    }
    for where, (model, records) in expected.items():
        assert records, where
        for record in records:
            missing = fields_of(model) - set(record)
            assert not missing, (where, missing)
            assert not DENIED_FIELDS & set(record), where

    # As many rows as the database holds about her.
    assert len(registration_data["payments"]) == Payment.objects.filter(registration=registration).count()
    assert len(registration_data["documents"]) == Submission.objects.filter(registration=registration).count()
    versions = [v for d in registration_data["documents"] for v in d["versions"]]
    assert len(versions) == Version.objects.filter(submission__registration=registration).count() == 3
    assert (
        len(registration_data["requests"])
        == Request.objects.filter(student=registration.student).count()
        == 1
    )
    assert data["admissions"][0]["parcoursup_number"] == registration.candidate.parcoursup_number


def test_values_are_json_dates_numbers_choices_and_links(student_data, django_capture_on_commit_callbacks):
    registration = student_data
    data, _summary, _archive = content(
        prepared(registration.student.user, django_capture_on_commit_callbacks)
    )
    [record] = data["registrations"]
    assert record["state"] == {"value": "registered", "label": str(State.REGISTERED.label)}
    assert record["fee_total_cents"] == registration.fee_total_cents  # cents, as a number
    assert datetime.datetime.fromisoformat(record["registered_at"]).tzinfo is not None
    assert record["academic_year"] == {
        "id": registration.academic_year_id,
        "label": registration.academic_year.code,
    }
    assert record["data"] == registration.data and record["cleaned"] == registration.cleaned
    assert data["student"]["birth_date"] == registration.student.birth_date.isoformat()
    [payment] = record["payments"]
    payment_row = Payment.objects.get(registration=registration)
    assert payment["amount_cents"] == registration.fee_total_cents
    # Staff are never named to the student: a link to an agent says "staff", not who.
    assert payment["recorded_by"] == {
        "id": payment_row.recorded_by_id,
        "label": gettext("a member of the university's staff"),
    }
    refused = next(d for d in record["documents"] if d["status"]["value"] == "refused")
    assert refused["comment"] == "Illisible" and refused["reviewed_at"]
    [request] = record["requests"]
    assert request["kind"] == {"value": "card_reissue", "label": str(Kind.CARD_REISSUE.label)}
    assert request["message"] == "Justificatif illisible."
    assert [event["action"] for event in request["history"]] == [
        "requests.filed",
        "requests.assigned",  # refusing takes the request first
        "requests.refused",
    ]
    assert [event["by_you"] for event in request["history"]] == [True, False, False]
    assert set(request["history"][0]) == {"date", "action", "label", "by_you"}  # never who, by name
    assert record["cvec"]["attestation"] == registration.cleaned["cvec"]["attestation"]
    answers = {step["step"]: step for step in record["form_answers"]}
    contacts = {a["field"]: a["value"] for a in answers["contacts"]["answers"]}
    assert contacts["city"] == "Chartres"


def test_secrets_are_nowhere_in_the_download(student_data, django_capture_on_commit_callbacks):
    user = student_data.student.user
    user.refresh_from_db()
    export = prepared(user, django_capture_on_commit_callbacks)
    archive = opened(export)
    everything = b"".join(archive.read(name) for name in ("data.json", "summary.html"))
    secrets = [
        user.password,
        user.security_stamp,
        "f" * 64,
        "d" * 64,
        "e" * 64,
        TOTPDevice.objects.get(user=user).key,
    ]
    for secret in secrets:
        assert secret and secret.encode() not in everything


def test_the_summary_is_readable_self_contained_and_in_the_students_language(
    student_data, django_capture_on_commit_callbacks
):
    registration = student_data
    student = registration.student
    _data, summary, _archive = content(prepared(student.user, django_capture_on_commit_callbacks))
    assert '<html lang="fr">' in summary
    assert "<script" not in summary and "http://" not in summary and "https://" not in summary
    assert "src=" not in summary and '<link rel="stylesheet"' not in summary
    payment = Payment.objects.get(registration=registration)
    for shown in (
        student.last_name,
        student.student_number,
        payment.reference,
        Kind.CARD_REISSUE.label,  # the request's kind, as a label
        "Justificatif illisible.",
        State.REGISTERED.label,  # the registration's state
        capfirst(gettext("date of birth")),  # a field's verbose name, translated
        "Date de naissance",
        "Chartres",  # a form answer
        registration.cleaned["cvec"]["attestation"],
    ):
        assert escape(str(shown)) in summary, shown
    assert "\u00a0€" in summary  # amounts in euros
    assert '<th scope="row">' in summary and "<caption>" in summary


def test_the_summary_in_english(student_data, django_capture_on_commit_callbacks):
    user = student_data.student.user
    data, summary, _archive = content(prepared(user, django_capture_on_commit_callbacks, language="en"))
    assert '<html lang="en">' in summary
    assert "Date of birth" in summary and "Your registrations" in summary
    assert data["registrations"][0]["state"]["label"] == "Registered"


def test_the_students_files_are_copied_current_versions_and_attachments(
    student_data, django_capture_on_commit_callbacks
):
    registration = student_data
    data, summary, archive = content(prepared(registration.student.user, django_capture_on_commit_callbacks))
    names = set(archive.namelist())
    current = [
        Version.objects.filter(submission=s).order_by("-uploaded_at", "-pk").first()
        for s in Submission.objects.filter(registration=registration)
    ]
    current = [v for v in current if v is not None]
    attachments = list(Attachment.objects.filter(request__registration=registration))
    copied = [n for n in names if n.startswith(("documents/", "attachments/"))]
    assert len(copied) == len(current) + len(attachments) == 3
    for version in current:
        [entry] = [
            v for d in data["registrations"][0]["documents"] for v in d["versions"] if v["id"] == version.pk
        ]
        with default_storage.open(version.file.name, "rb") as handle:
            assert archive.read(entry["copy_in_download"]) == handle.read()
    # An older version is listed, not copied.
    older = Version.objects.filter(submission__registration=registration).exclude(
        pk__in=[v.pk for v in current]
    )
    [old] = [
        v for d in data["registrations"][0]["documents"] for v in d["versions"] if v["id"] == older.get().pk
    ]
    assert "copy_in_download" not in old and old["size"] == older.get().size
    assert sorted(data["files"]["copied"]) == sorted(copied) and data["files"]["not_copied"] == []


def test_copies_stop_at_the_bound_and_the_rest_is_listed(
    student_data, django_capture_on_commit_callbacks, monkeypatch
):
    registration = student_data
    sizes = sorted(
        [v.size for v in Version.objects.filter(submission__registration=registration)]
        + [a.size for a in Attachment.objects.filter(request__registration=registration)]
    )
    monkeypatch.setattr(data_export, "FILES_MAX_BYTES", sizes[0])  # room for one file at most
    data, summary, archive = content(prepared(registration.student.user, django_capture_on_commit_callbacks))
    copied = [n for n in archive.namelist() if n.startswith(("documents/", "attachments/"))]
    assert len(copied) <= 1
    assert len(data["files"]["not_copied"]) == 3 - len(copied)
    assert all(item["size"] > 0 and item["why"] for item in data["files"]["not_copied"])
    why = data["files"]["not_copied"][0]["why"]
    assert why == gettext("not copied: the download would be too large (listed only)")
    assert escape(why) in summary


def test_the_zip_is_written_through_a_bounded_temporary_file(
    student_data, django_capture_on_commit_callbacks, monkeypatch
):
    """Never the whole ZIP in memory: a spooled file that goes to disk past SPOOL_BYTES."""
    import tempfile

    made = []
    original = tempfile.SpooledTemporaryFile

    def spooled(*args, **kwargs):
        made.append(kwargs.get("max_size", args[0] if args else 0))
        return original(*args, **kwargs)

    monkeypatch.setattr(data_export.tempfile, "SpooledTemporaryFile", spooled)
    prepared(student_data.student.user, django_capture_on_commit_callbacks)
    assert made == [data_export.SPOOL_BYTES]


def test_an_admitted_candidate_who_has_not_registered_gets_the_admission_and_account(
    demo_candidates, django_capture_on_commit_callbacks
):
    from matricule.accounts.admission_login import user_for_candidate

    candidate = demo_candidates["complementary"]
    user = user_for_candidate(candidate)
    data, summary, _archive = content(prepared(user, django_capture_on_commit_callbacks))
    assert data["student"] is None and data["registrations"] == []
    [admission] = data["admissions"]
    assert admission["id"] == candidate.pk and fields_of(Candidate) <= set(admission)
    assert candidate.last_name in summary


# --- The task, the states, the requests ------------------------------------------------------


def test_asking_twice_while_it_is_prepared_asks_once(student_data):
    user = student_data.student.user
    first = request_export(user)
    assert request_export(user) == first
    assert DataExport.objects.filter(user=user).count() == 1
    assert Event.objects.filter(action="privacy.data_export.requested", actor=user).count() == 1


def test_the_task_is_idempotent(student_data, django_capture_on_commit_callbacks):
    user = student_data.student.user
    export = prepared(user, django_capture_on_commit_callbacks)
    name, size = export.file.name, export.size
    assert prepare(export.pk) is None  # ready: nothing to do
    export.refresh_from_db()
    assert (export.file.name, export.size, export.state) == (name, size, "ready")
    assert default_storage.exists(name)
    assert Event.objects.filter(action="privacy.data_export.prepared").count() == 1
    assert prepare(123456) is None  # gone: nothing to do


def test_a_run_taken_over_after_a_crash_finishes_once(student_data, monkeypatch):
    """The worker died after writing the ZIP, before marking it ready: the run handed over
    prepares it again; a late duplicate finds it ready and leaves it alone."""
    user = student_data.student.user
    export = request_export(user)
    original = data_export._move
    monkeypatch.setattr(data_export, "_move", lambda *args, **kwargs: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        prepare(export.pk)
    monkeypatch.setattr(data_export, "_move", original)
    export.refresh_from_db()
    assert export.state == "requested"
    assert prepare(export.pk) == "ready"
    assert prepare(export.pk) is None


def test_a_failed_build_fails_the_export_and_asking_again_replaces_it(
    student_data, monkeypatch, django_capture_on_commit_callbacks
):
    user = student_data.student.user
    export = request_export(user)

    def broken(export):
        raise OSError("disk full at /srv/private/chloe")

    monkeypatch.setattr(data_export, "build", broken)
    with pytest.raises(OSError):
        prepare(export.pk)
    export.refresh_from_db()
    assert (export.state, export.error) == ("failed", "OSError")  # the kind only: no path, no data
    assert Event.objects.filter(action="privacy.data_export.failed").count() == 1
    monkeypatch.undo()
    again = prepared(user, django_capture_on_commit_callbacks)
    assert again.pk != export.pk and not DataExport.objects.filter(pk=export.pk).exists()


def test_a_new_request_replaces_a_ready_export_and_deletes_its_file(
    student_data, django_capture_on_commit_callbacks
):
    user = student_data.student.user
    first = prepared(user, django_capture_on_commit_callbacks)
    second = prepared(user, django_capture_on_commit_callbacks)
    assert not DataExport.objects.filter(pk=first.pk).exists()
    assert not default_storage.exists(first.file.name)
    assert default_storage.exists(second.file.name)
    assert list(DataExport.objects.filter(user=user)) == [second]


def test_one_export_in_progress_per_person_in_the_database(student_data):
    from django.db import IntegrityError, transaction

    user = student_data.student.user
    request_export(user)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(user=user, expires_at=timezone.now())


def test_requests_are_limited_per_day(student_data, django_capture_on_commit_callbacks):
    user = student_data.student.user
    now = timezone.now()
    for _ in range(data_export.MAX_REQUESTS):
        prepared(user, django_capture_on_commit_callbacks)
    with pytest.raises(data_export.TooManyRequests) as limited:
        request_export(user)
    first = Event.objects.filter(action="privacy.data_export.requested").earliest("created_at").created_at
    assert limited.value.until == first + datetime.timedelta(days=1)
    assert request_export(user, now=now + datetime.timedelta(days=1, minutes=1)).state == "requested"


def test_a_request_whose_task_was_lost_is_queued_again(student_data, django_capture_on_commit_callbacks):
    user = student_data.student.user
    export = request_export(user, now=timezone.now() - datetime.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert request_export(user) == export
    export.refresh_from_db()
    assert export.state == "ready"


# --- Expiry ----------------------------------------------------------------------------------


def test_expired_exports_are_deleted_with_their_files(
    student_data, django_capture_on_commit_callbacks, settings
):
    settings.MATRICULE_DATA_EXPORT_RETENTION_DAYS = 7
    user = student_data.student.user
    export = prepared(user, django_capture_on_commit_callbacks)
    assert export.expires_at - export.ready_at == datetime.timedelta(days=7)
    assert purge_expired(now=export.expires_at - datetime.timedelta(seconds=1)) == 0
    assert default_storage.exists(export.file.name)
    assert purge_expired(now=export.expires_at) == 1
    assert not DataExport.objects.filter(pk=export.pk).exists()
    assert not default_storage.exists(export.file.name)
    assert Event.objects.filter(action="privacy.data_export.purged").get().data == {"count": 1}


def test_a_request_never_prepared_expires_too(student_data):
    export = request_export(student_data.student.user)
    assert purge_expired(now=export.expires_at + datetime.timedelta(seconds=1)) == 1
    assert not DataExport.objects.exists()
