"""The student's download of all their data (GDPR articles 15 and 20): asked for from the student's
pages, prepared by a task as one ZIP, kept for a few days, then deleted.

The ZIP holds `data.json` (every field of every row about the person, read from the models'
fields so that a field added later is never forgotten; only the secrets of DENIED_FIELDS are left
out), `summary.html` (the same, readable, in the student's language) and copies of the files the
student sent (current document versions, request attachments) as long as they stay under
FILES_MAX_BYTES. The ZIP is written to a temporary file, never held in memory, then stored under
a server-made name.

Transitions of an export (`states.py`): requested → ready or failed, each one conditional UPDATE
(`_move`), so that a task run twice, or a run taken over after its worker died, finishes once."""

import dataclasses
import datetime
import decimal
import json
import tempfile
import uuid
import zipfile
from base64 import b64encode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from matricule.accounts.models import AccountSecurity, ActivationToken, LoginLink
from matricule.admissions.models import Candidate
from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.backoffice.event_labels import label as event_label
from matricule.certificates.models import IssuedDocument
from matricule.compat import task
from matricule.directory.models import DirectoryAccount
from matricule.documents.models import Submission, Version
from matricule.institution.templatetags.matricule_format import long_date, long_datetime
from matricule.money import euros
from matricule.payments.models import Payment
from matricule.registration.file_readings import file_readings
from matricule.registration.models import Registration, Student
from matricule.registration.steps import STEPS
from matricule.requests.models import Attachment, Request
from matricule.rows import unique_row

from . import states
from .models import DataExport

State = DataExport.State

# Fields never written to the download, whatever model they are on: secrets, which would let
# whoever holds the file act as the person (or learn nothing the person needs to know).
DENIED_FIELDS = frozenset(
    {
        "password",  # accounts.User: the password hash
        "security_stamp",  # accounts.User: mixed into the session hash; a new one ends the sessions
        "token_hash",  # accounts.LoginLink, ActivationToken: the hash of a single-use link
        "key",  # otp_totp.TOTPDevice: the authenticator app's shared secret
    }
)
# Audit codes of staff reading the file: shown on the "who read my file" page (by component and
# day), and never in a history here, which says what happened to the request itself.
ACCESS_EVENTS = frozenset(
    {"backoffice.student_file.viewed", "documents.file_opened", "requests.attachment_opened"}
)
# Copies of the student's files stop before the ZIP would hold more than this; the rest is listed.
FILES_MAX_BYTES = 100 * 1024 * 1024
# The ZIP is kept in memory up to this size, then in a temporary file on disk.
SPOOL_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Asking again: at most this many requests per person in a day (each one reads everything).
MAX_REQUESTS = 3
REQUEST_WINDOW = datetime.timedelta(days=1)
# A request still being prepared after this long lost its task (a crash before it was queued):
# asking again queues it again (the task is idempotent).
STALE_AFTER = datetime.timedelta(hours=1)
FORMAT = "matricule.data-export/1"


def retention() -> datetime.timedelta:
    """How long a download is kept once ready: it holds everything about the person."""
    return datetime.timedelta(days=getattr(settings, "MATRICULE_DATA_EXPORT_RETENTION_DAYS", 7))


class TooManyRequests(Exception):
    """Asked too often: `until` is when the person may ask again."""

    def __init__(self, until: datetime.datetime):
        super().__init__(f"data export requests limited until {until.isoformat()}")
        self.until = until


# --- Requests, the task and the states ------------------------------------------------------


def has_personal_data(user) -> bool:
    """Whether the account is a student's or an admitted candidate's (whose pages these are)."""
    return Student.objects.filter(user=user).exists() or Candidate.objects.filter(user=user).exists()


def latest_export(user) -> DataExport | None:
    return DataExport.objects.filter(user=user).order_by("-requested_at", "-pk").first()


def limited_until(user, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the person may ask again, or None if they may now. Counted from the audit trail,
    which keeps every request (the rows of replaced exports are gone)."""
    now = now or timezone.now()
    asked = list(
        Event.objects.filter(
            action="privacy.data_export.requested", actor=user, created_at__gt=now - REQUEST_WINDOW
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:MAX_REQUESTS]
    )
    if len(asked) < MAX_REQUESTS:
        return None
    return asked[-1] + REQUEST_WINDOW


def request_export(user, *, language: str = "fr", now: datetime.datetime | None = None) -> DataExport:
    """Ask for a new download: the export being prepared if there is one (asking twice asks
    once), else a new export queued once the transaction commits. A ready or failed export is
    replaced (its file deleted). Raises TooManyRequests past MAX_REQUESTS a day."""
    now = now or timezone.now()
    with transaction.atomic():
        # The person's requests one after the other (the unique index would refuse the second).
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        current = DataExport.objects.filter(user=user, state=State.REQUESTED).first()
        if current is not None:
            if current.requested_at < now - STALE_AFTER:
                transaction.on_commit(lambda: prepare_export.enqueue(current.pk))
            return current
        until = limited_until(user, now)
        if until is not None:
            raise TooManyRequests(until)
        replaced = list(DataExport.objects.filter(user=user))
        names = [export.file.name for export in replaced if export.file]
        DataExport.objects.filter(pk__in=[export.pk for export in replaced]).delete()
        export = DataExport.objects.create(
            user=user, language=language[:8] or "fr", requested_at=now, expires_at=now + retention()
        )
        record("privacy.data_export.requested", actor=user, obj=export, replaced=len(replaced))
        # Files go once the rows are surely gone (a rollback keeps both).
        transaction.on_commit(lambda: _delete_files(names))
        transaction.on_commit(lambda: prepare_export.enqueue(export.pk))
    return export


@task(queue_name="default")
def prepare_export(export_id: int) -> str | None:
    """Prepare a requested export (the task); see `prepare`."""
    return prepare(export_id)


def prepare(export_id: int) -> str | None:
    """Write the ZIP of a requested export and mark it ready; returns the new state. An export
    that is not requested any more (ready, failed, replaced or purged) is left alone and None
    returned: running the task again does nothing. A run that dies half-way leaves the export
    requested, and the run the queue hands over after it starts again."""
    export = unique_row(DataExport.objects.select_related("user").filter(pk=export_id))
    if export is None or export.state != State.REQUESTED:
        return None
    try:
        with translation.override(export.language):
            size = build(export)
    except Exception as error:
        if _move(export, State.FAILED, error=type(error).__name__[:200]):
            record("privacy.data_export.failed", obj=export, error=export.error)
        raise
    now = timezone.now()
    name = export.file.name
    if not _move(export, State.READY, file=name, size=size, ready_at=now, expires_at=now + retention()):
        _delete_files([name])  # another run finished first, or the export was replaced meanwhile
        return None
    record("privacy.data_export.prepared", obj=export, size=size)
    return State.READY


def _move(export: DataExport, wanted: str, **fields) -> bool:
    """The one write of an export's state: checked against the table, made by a conditional
    UPDATE from the state read; False when the row moved (or went) meanwhile."""
    states.check(export.state, wanted)
    moved = DataExport.objects.filter(pk=export.pk, state=export.state).update(state=wanted, **fields)
    if moved:
        export.state = wanted
        for name, value in fields.items():
            setattr(export, name, value)
    return bool(moved)


def downloaded(export: DataExport, *, user) -> None:
    record("privacy.data_export.downloaded", actor=user, obj=export, size=export.size)


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the exports past their expiry (the file from storage, then the row); returns how
    many. Exports asked for and never prepared expire too (their expiry is set when asked)."""
    now = now or timezone.now()
    expired = list(DataExport.objects.filter(expires_at__lte=now))
    for export in expired:
        if export.file:
            export.file.delete(save=False)
        export.delete()
    if expired:
        record("privacy.data_export.purged", count=len(expired))
    return len(expired)


def _delete_files(names) -> None:
    for name in names:
        default_storage.delete(name)


# --- What the download holds ----------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """One field as the summary shows it: its label and its value in words (`block`: a JSON
    value, shown as preformatted text)."""

    name: str
    label: str
    display: str
    block: bool = False


@dataclasses.dataclass
class Item:
    """One row of the database (or one part of it) in the summary: a table, and what hangs from
    it (`groups`)."""

    title: str
    rows: list[Row]
    groups: list["Group"] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Group:
    """A titled list of items of one kind; `empty` is said when there are none. A list of short
    lines (a history) is one table instead: `columns` (the first one heads each line) and `lines`."""

    title: str
    items: list[Item]
    empty: str = ""
    columns: list[str] = dataclasses.field(default_factory=list)
    lines: list[list[str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class FileCopy:
    """A file of the student's, copied into the ZIP under `path` when it fits."""

    name: str  # its name in storage
    path: str  # its name in the ZIP
    size: int
    record: dict  # its entry in data.json, told whether it was copied
    item: Item  # its table in the summary, likewise
    copied: bool = False
    note: str = ""


@dataclasses.dataclass
class Contents:
    data: dict
    groups: list[Group]
    files: list[FileCopy]


def concrete_fields(model) -> list[models.Field]:
    """The fields of a model that the download holds: every concrete one but the secrets."""
    return [field for field in model._meta.concrete_fields if field.name not in DENIED_FIELDS]


def _related_label(obj, field, owner) -> str:
    related = getattr(obj, field.name)
    if isinstance(related, get_user_model()):
        # Staff are named to the student by their service, never by name (data-protection.md).
        return related.username if related.pk == owner.pk else _("a member of the university's staff")
    for attribute in ("name", "label"):  # bilingual names are read in the student's language
        value = getattr(related, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(related)


def _json(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return b64encode(bytes(value)).decode("ascii")
    return value


def _display(field, value) -> tuple[str, bool]:
    if value is None or value == "":
        return "—", False
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), False
    if field.name.endswith("_cents") and isinstance(value, int):
        return euros(value), False
    if field.name == "size" and isinstance(value, int):
        return filesizeformat(value), False
    if isinstance(value, datetime.datetime):
        return long_datetime(value), False
    if isinstance(value, datetime.date):
        return long_date(value), False
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2, default=str), True
    return str(_json(value)), False


def describe(obj, owner) -> tuple[dict, list[Row]]:
    """Every field of `obj` but the secrets: for data.json (values as JSON: dates in ISO 8601,
    amounts in cents as numbers, choices as value and label, links as id and label) and for the
    summary (labels from the fields' verbose names, values in words)."""
    data, rows = {}, []
    for field in concrete_fields(type(obj)):
        label = capfirst(str(field.verbose_name))
        if field.is_relation:
            pk = getattr(obj, field.attname)
            value = None if pk is None else {"id": pk, "label": _related_label(obj, field, owner)}
            display = "—" if value is None else value["label"]
            block = False
        elif isinstance(field, models.FileField):
            value = getattr(obj, field.attname).name or ""
            display, block = value or "—", False
        elif field.choices and getattr(obj, field.attname) in dict(field.flatchoices):
            raw = getattr(obj, field.attname)
            value = {"value": raw, "label": str(dict(field.flatchoices)[raw])}
            display, block = value["label"] or "—", False
        else:
            raw = getattr(obj, field.attname)
            value = _json(raw)
            display, block = _display(field, raw)
        data[field.name] = value
        rows.append(Row(field.name, label, display, block))
    return data, rows


def _form_answers(registration: Registration) -> list[tuple[str, str, list[dict]]]:
    """The answers typed in each step of the form, as the review page reads them back: (step key,
    step title, answers), leaving out what was not answered."""
    steps = []
    for step in STEPS:
        if step.key not in registration.data:
            continue
        form = step.form(registration, data=registration.data.get(step.key) or {})
        answers = []
        for bound in form:
            value = bound.value()
            if value is None or value == "" or value is False:
                continue
            choices = _choices(bound.field)
            if isinstance(value, list):
                display = ", ".join(str(choices.get(v, v)) for v in value)
            elif value in choices:
                display = str(choices[value])
            elif value is True or value == "on":
                display = _("Yes")
            else:
                display = str(value)
            answers.append(
                {"field": bound.name, "label": str(bound.label), "value": value, "display": display}
            )
        steps.append((step.key, str(step.title), answers))
    return steps


def _choices(field) -> dict:
    """A form field's choices as {value: label}; {} for a field without flat choices."""
    try:
        return {
            value: label
            for value, label in getattr(field, "choices", None) or []
            if isinstance(label, str | Promise)
        }
    except (TypeError, ValueError):
        return {}


def _history(objects, owner) -> dict[int, tuple[list[dict], list[list[str]]]]:
    """The audit events of each of `objects` (one model), oldest first, for data.json and the
    summary: what happened and when, and whether the person did it; not which member of staff
    did (staff are not named to the student), nor staff reading it (ACCESS_EVENTS)."""
    if not objects:
        return {}
    events = (
        Event.objects.filter(
            object_type=objects[0]._meta.label_lower, object_id__in=[str(obj.pk) for obj in objects]
        )
        .exclude(action__in=ACCESS_EVENTS)
        .order_by("created_at", "pk")
    )
    history: dict[int, tuple[list[dict], list[list[str]]]] = {}
    for event in events:
        records, lines = history.setdefault(int(event.object_id), ([], []))
        what, by_you = event_label(event.action), event.actor_id == owner.pk
        records.append(
            {"date": _json(event.created_at), "action": event.action, "label": what, "by_you": by_you}
        )
        lines.append([long_datetime(event.created_at), what, _("Yes") if by_you else _("No")])
    return history


def _items(objects, owner, title) -> tuple[list[dict], list[Item]]:
    records, items = [], []
    for obj in objects:
        data, rows = describe(obj, owner)
        records.append(data)
        items.append(Item(title(obj), rows))
    return records, items


def collect(user) -> Contents:
    """Everything the platform keeps about the person, for data.json and the summary."""
    owner = user
    files: list[FileCopy] = []
    student = unique_row(Student.objects.filter(user=user))
    registrations = (
        list(
            Registration.objects.filter(student=student)
            .select_related("academic_year", "stage__programme")
            .order_by("academic_year__starts_on", "created_at", "pk")
        )
        if student
        else []
    )
    candidates = list(
        Candidate.objects.filter(
            Q(user=user) | Q(pk__in=[r.candidate_id for r in registrations if r.candidate_id])
        )
        .select_related("academic_year")
        .order_by("academic_year__starts_on", "pk")
    )
    data: dict = {
        "format": FORMAT,
        "generated_at": _json(timezone.now()),
        "language": translation.get_language(),
    }

    data["account"], rows = describe(user, owner)
    account_items = [Item(_("Your account"), rows)]
    security = unique_row(AccountSecurity.objects.filter(user=user))
    data["account_security"] = None
    if security is not None:
        data["account_security"], rows = describe(security, owner)
        account_items.append(Item(_("Activation and confirmed email"), rows))
    data["authenticator_apps"], items = _items(
        TOTPDevice.objects.filter(user=user).order_by("pk"),
        owner,
        lambda device: _("Authenticator app: %(name)s") % {"name": device.name},
    )
    account_items += items
    data["activation_links"], items = _items(
        ActivationToken.objects.filter(user=user).order_by("created_at", "pk"),
        owner,
        lambda link: _("Link sent by email on %(date)s") % {"date": long_datetime(link.created_at)},
    )
    account_items += items
    # A new student's connection links open their admission; a continuing student's, their account.
    data["login_links"], items = _items(
        LoginLink.objects.filter(Q(user=user) | Q(candidate__in=candidates)).order_by("created_at", "pk"),
        owner,
        lambda link: _("Connection link of %(date)s") % {"date": long_datetime(link.created_at)},
    )
    account_items += items
    groups = [Group(_("Your account"), account_items)]

    data["student"] = None
    if student is not None:
        data["student"], rows = describe(student, owner)
        groups.append(Group(_("Your student record"), [Item(_("Student record"), rows)]))

    data["admissions"], items = _items(
        candidates, owner, lambda c: _("Admission %(year)s") % {"year": c.academic_year.code}
    )
    groups.append(Group(_("Your admissions (Parcoursup)"), items, _("No admission is recorded for you.")))

    data["registrations"], items = [], []
    for registration in registrations:
        record_, item = _registration(registration, owner, files)
        data["registrations"].append(record_)
        items.append(item)
    groups.append(Group(_("Your registrations"), items, _("You have no registration.")))

    directory = unique_row(DirectoryAccount.objects.filter(student=student)) if student else None
    data["directory_account"] = None
    if directory is not None:
        data["directory_account"], rows = describe(directory, owner)
        groups.append(Group(_("Your digital workspace (ENT) account"), [Item(_("ENT account"), rows)]))

    readings = file_readings(student) if student else []
    data["file_readings"] = [
        {"day": r.day.isoformat(), "service": r.component, "documents_opened": r.documents, "count": r.count}
        for r in readings
    ]
    groups.append(
        Group(
            _("Who read your file"),
            [],
            _("Nobody at the university has read your file yet."),
            columns=[_("Day"), _("Service"), _("Documents opened"), _("Times")],
            lines=[
                [long_date(r.day), r.component, _("Yes") if r.documents else _("No"), str(r.count)]
                for r in readings
            ],
        )
    )
    return Contents(data=data, groups=groups, files=files)


def _registration(registration: Registration, owner, files: list[FileCopy]) -> tuple[dict, Item]:
    year = registration.academic_year.code
    data, rows = describe(registration, owner)
    item = Item(
        _("Registration %(year)s: %(stage)s") % {"year": year, "stage": registration.stage.name}, rows
    )

    answers = _form_answers(registration)
    data["form_answers"] = [{"step": key, "title": title, "answers": a} for key, title, a in answers]
    item.groups.append(
        Group(
            _("Your answers to the registration form"),
            [
                Item(title, [Row(a["field"], a["label"], a["display"]) for a in step_answers])
                for _key, title, step_answers in answers
            ],
            _("Nothing typed yet."),
        )
    )
    cvec = registration.cleaned.get("cvec") or None
    data["cvec"] = cvec
    if cvec:
        item.groups.append(
            Group(
                _("CVEC"),
                [
                    Item(
                        _("CVEC attestation"),
                        [
                            Row("attestation", _("CVEC attestation number"), cvec.get("attestation") or "—"),
                            Row("cvec_exempt", _("Exempt"), _("Yes") if cvec.get("cvec_exempt") else _("No")),
                            Row(
                                "cvec_provisional",
                                _("To be checked again (the CVEC service did not answer)"),
                                _("Yes") if cvec.get("cvec_provisional") else _("No"),
                            ),
                        ],
                    )
                ],
            )
        )

    data["payments"], items = _items(
        Payment.objects.filter(registration=registration).order_by("created_at", "pk"),
        owner,
        lambda p: _("Payment %(reference)s") % {"reference": p.reference},
    )
    item.groups.append(Group(_("Payments and refunds"), items, _("No payment.")))

    data["documents"], items = [], []
    submissions = Submission.objects.filter(registration=registration).select_related("document_type")
    for submission in submissions.order_by("document_type__order", "pk"):
        record_, rows = describe(submission, owner)
        document = Item(_("Document: %(type)s") % {"type": submission.document_type.name}, rows)
        versions = list(Version.objects.filter(submission=submission).order_by("-uploaded_at", "-pk"))
        record_["versions"], version_items = [], []
        for rank, version in enumerate(versions):
            version_record, version_rows = describe(version, owner)
            version_item = Item(
                _("File sent on %(date)s") % {"date": long_datetime(version.uploaded_at)}, version_rows
            )
            if rank == 0:  # the current version: copied if it fits
                path = (
                    f"documents/{year}-{registration.pk}-{submission.document_type.code}{version.extension}"
                )
                files.append(FileCopy(version.file.name, path, version.size, version_record, version_item))
            record_["versions"].append(version_record)
            version_items.append(version_item)
        document.groups.append(Group(_("Files sent"), version_items, _("No file sent.")))
        data["documents"].append(record_)
        items.append(document)
    item.groups.append(
        Group(_("Supporting documents"), items, _("No document is asked of this registration."))
    )

    requests = list(Request.objects.filter(registration=registration).order_by("created_at", "pk"))
    history = _history(requests, owner)
    data["requests"], items = [], []
    for student_request in requests:
        record_, rows = describe(student_request, owner)
        request_item = Item(
            _("Request: %(kind)s, filed on %(date)s")
            % {"kind": student_request.get_kind_display(), "date": long_date(student_request.created_at)},
            rows,
        )
        record_["attachments"], attachment_items = [], []
        for attachment in Attachment.objects.filter(request=student_request).order_by("uploaded_at", "pk"):
            attachment_record, attachment_rows = describe(attachment, owner)
            attachment_item = Item(
                _("Attachment sent on %(date)s") % {"date": long_datetime(attachment.uploaded_at)},
                attachment_rows,
            )
            path = f"attachments/request-{student_request.pk}-{attachment.pk}{attachment.extension}"
            files.append(
                FileCopy(attachment.file.name, path, attachment.size, attachment_record, attachment_item)
            )
            record_["attachments"].append(attachment_record)
            attachment_items.append(attachment_item)
        request_item.groups.append(Group(_("Attachments"), attachment_items, _("No attachment.")))
        record_["history"], lines = history.get(student_request.pk, ([], []))
        request_item.groups.append(
            Group(
                _("History"),
                [],
                _("Nothing recorded."),
                columns=[_("Date"), _("What happened"), _("Done by you")],
                lines=lines,
            )
        )
        data["requests"].append(record_)
        items.append(request_item)
    item.groups.append(Group(_("Your requests"), items, _("No request.")))

    data["issued_documents"], items = _items(
        IssuedDocument.objects.filter(registration=registration).order_by("issued_at", "pk"),
        owner,
        lambda d: (
            _("%(kind)s, serial number %(serial)s") % {"kind": d.get_kind_display(), "serial": d.serial}
        ),
    )
    item.groups.append(Group(_("Documents issued to you"), items, _("No document issued yet.")))
    return data, item


# --- The ZIP --------------------------------------------------------------------------------


def _copy(archive: zipfile.ZipFile, copy: FileCopy) -> None:
    """Copy one stored file into the archive in chunks (never whole in memory)."""
    entry = zipfile.ZipInfo(copy.path, date_time=timezone.localtime().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_STORED  # images and PDFs are compressed already
    with (
        default_storage.open(copy.name, "rb") as source,
        archive.open(entry, "w", force_zip64=True) as target,
    ):
        for chunk in source.chunks(CHUNK_BYTES):
            target.write(chunk)


def _copy_files(archive: zipfile.ZipFile, files: list[FileCopy]) -> None:
    """Copy the student's files while they fit under FILES_MAX_BYTES; say of each whether it is
    in the ZIP, in data.json and in the summary."""
    total = 0
    for copy in files:
        if total + copy.size > FILES_MAX_BYTES:
            copy.note = _("not copied: the download would be too large (listed only)")
        elif not default_storage.exists(copy.name):
            copy.note = _("not copied: the file is no longer kept")
        else:
            _copy(archive, copy)
            copy.copied, total = True, total + copy.size
        copy.record["copy_in_download"] = copy.path if copy.copied else None
        copy.item.rows.append(
            Row("copy_in_download", _("Copy in this download"), copy.path if copy.copied else copy.note)
        )


def _text_entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def build(export: DataExport) -> int:
    """Write the export's ZIP and store it under a new name on `export.file` (not saved: the
    caller marks the export ready); returns its size in bytes. Run in the export's language."""
    contents = collect(export.user)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _copy_files(archive, contents.files)
            copied = [copy for copy in contents.files if copy.copied]
            contents.data["files"] = {
                "max_bytes": FILES_MAX_BYTES,
                "copied": [copy.path for copy in copied],
                "not_copied": [
                    {"name": copy.path, "size": copy.size, "why": copy.note}
                    for copy in contents.files
                    if not copy.copied
                ],
            }
            with archive.open(_text_entry("data.json"), "w") as target:
                target.write(json.dumps(contents.data, ensure_ascii=False, indent=2).encode("utf-8"))
            summary = render_to_string(
                "privacy/data_summary.html",
                {
                    "language": translation.get_language(),
                    "generated_at": timezone.now(),
                    "groups": contents.groups,
                    "files": contents.files,
                    "copied": copied,
                    "max_bytes": FILES_MAX_BYTES,
                    "retention_days": retention().days,
                },
            )
            with archive.open(_text_entry("summary.html"), "w") as target:
                target.write(summary.encode("utf-8"))
        size = handle.tell()
        handle.seek(0)
        export.file.save("export.zip", File(handle, name="export.zip"), save=False)
    return size
