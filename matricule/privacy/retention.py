"""The retention schedule (GDPR article 5.1.e, storage limitation): how long each class of
personal data is kept, and what becomes of it then.

`CLASSES` is the one table: the back office shows it (`privacy:retention`), `manage.py
apply_retention` and the daily recurring job apply it, docs/data-protection.md says the same.
Each class has its delay (from a setting), its end (deleted, pseudonymised or masked), why, what
is due at a moment (`select`) and how it is removed (`apply`). Adding a class is adding one entry.

Applying is safe to run at any time and again after a crash: rows are taken BATCH at a time in
key order, each batch in its own transaction; a row once treated no longer matches its class, so
a run taken up again finishes what the last one left. Files go from the storage (local folder
or S3) after the rows that name them are changed: a crash in between leaves at worst an orphan
file, never a row pointing at a missing one.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce, TruncYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from matricule.accounts.models import AccountSecurity, ActivationToken, LoginLink, Throttle, User
from matricule.admissions.models import Candidate, ImportIssue, ImportRun
from matricule.admissions.runs import forget_stored_file
from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.backoffice.audit_log import purge_events, retention_days
from matricule.backoffice.exports import services as exports
from matricule.backoffice.models import ExportJob, Reminder
from matricule.certificates.models import IssuedDocument
from matricule.certificates.services import minimum
from matricule.documents.models import Preview, Submission, Version
from matricule.institution.models import AcademicYear
from matricule.notifications.delivery import in_transaction
from matricule.notifications.models import Email
from matricule.payments.models import Notification
from matricule.registration.models import Registration, Student
from matricule.requests.models import Attachment, Request
from matricule.requests.models import State as RequestState

from . import data_export
from .models import DataExport

logger = logging.getLogger(__name__)

BATCH = 500
# How far back a document carried over from year to year is followed (documents.services
# carries a validated document into the next registrations; the API follows as far).
CARRIED_DEPTH = 10
# What a sent email's body becomes once masked.
MASKED_BODY = "[contenu effacé après le délai de conservation / content deleted after the retention period]"

DELETED, PSEUDONYMISED, MASKED = "deleted", "pseudonymised", "masked"
END_LABELS = {
    DELETED: _("deleted"),
    PSEUDONYMISED: _("pseudonymised"),
    MASKED: _("masked"),
}


@dataclass(frozen=True)
class DataClass:
    """One line of the retention schedule."""

    code: str
    label: str  # lazy: what the data are
    holds: str  # lazy: what they hold, in a few words
    delay: Callable[[], str]  # the delay in words, read from the settings now
    end: str  # DELETED, PSEUDONYMISED or MASKED
    outcome: str  # lazy: what exactly is removed, and what stays
    basis: str  # lazy: why they are kept this long (purpose, legal basis)
    settings: tuple[str, ...]  # the settings the delay comes from
    # The querysets of what is due at `now` (a class may span two models), and how they are
    # removed: apply(select(now), now) returns how many of them it removed.
    select: Callable[[datetime.datetime], list[models.QuerySet]]
    apply: Callable[[list[models.QuerySet], datetime.datetime], int]

    @property
    def end_label(self) -> str:
        return str(END_LABELS[self.end])

    def count(self, now: datetime.datetime) -> int:
        return sum(queryset.count() for queryset in self.select(now))


# --- Shared pieces ---------------------------------------------------------------------------------


def batches(queryset: models.QuerySet, size: int = BATCH):
    """The primary keys of the rows due, `size` at a time in key order, each batch read once the
    one before was applied: memory does not grow with the table, and the walk ends even if a
    row could not be changed."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        keys = list(page.values_list("pk", flat=True)[:size])
        if not keys:
            return
        yield keys
        last = keys[-1]


def delete_files(files: list[tuple[object, str]]) -> None:
    """Delete (storage, name) pairs through the storage API (a local folder or S3 alike); a
    missing file is no error (a run taken up again). Called once the rows no longer name them."""

    def delete():
        for storage, name in files:
            if not name:
                continue
            try:
                storage.delete(name)
            except Exception:  # one file's trouble must not keep the others
                logger.exception("Retention: %s could not be deleted from the storage", name)

    if in_transaction():  # the caller's: the rows change only when it commits
        transaction.on_commit(delete)
    else:
        delete()


def storage_of(model, field: str = "file"):
    return model._meta.get_field(field).storage


def names(queryset: models.QuerySet, field: str = "file") -> list[tuple[object, str]]:
    storage = storage_of(queryset.model, field)
    return [(storage, name) for name in queryset.values_list(field, flat=True) if name]


def delete_rows(due: list[models.QuerySet], now=None) -> int:
    """Delete every row due, BATCH at a time (rows without files)."""
    removed = 0
    for queryset in due:
        for keys in batches(queryset):
            with transaction.atomic():
                removed += queryset.model.objects.filter(pk__in=keys).delete()[0]
    return removed


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def hours_setting(name: str) -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, name))


def days_setting(name: str) -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, name))


def _counted(setting: str, text) -> Callable[[], str]:
    """The delay in words: `text` (an ngettext_lazy keyed on "count") with the setting's value."""
    return lambda: str(text % {"count": getattr(settings, setting)})


def _fixed(text) -> Callable[[], str]:
    return lambda: str(text)


# --- Links, counters, sessions -------------------------------------------------------------------


def spent_links(now):
    """Connection and account links used or expired some hours ago (a day, by default, during
    which opening one still says "expired" rather than "unknown")."""
    cutoff = now - hours_setting("MATRICULE_LINK_RETENTION_HOURS")
    spent = Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff)
    return [LoginLink.objects.filter(spent), ActivationToken.objects.filter(spent)]


def idle_throttles(now):
    """Rate-limit counters with nothing left to count: no event, window or delay for hours."""
    cutoff = now - hours_setting("MATRICULE_THROTTLE_RETENTION_HOURS")
    return [
        Throttle.objects.annotate(last_seen=Coalesce("last_event_at", "window_started_at")).filter(
            Q(locked_until__isnull=True) | Q(locked_until__lt=cutoff),
            window_started_at__lt=cutoff,
            last_seen__lt=cutoff,
        )
    ]


def expired_sessions(now):
    """Sessions past their expiry (with database sessions; a cache forgets its own)."""
    return [Session.objects.filter(expire_date__lt=now)]


# --- People: admissions, registrations, accounts ------------------------------------------------


def campaign_closed_years(before: datetime.datetime) -> list[int]:
    """The academic years whose campaign closed before `before`: their last registration window
    closed then (a year without windows: its last day)."""
    closed = []
    for year in AcademicYear.objects.annotate(closes=Max("windows__closes_at")).only("pk", "ends_on"):
        closes = year.closes or timezone.make_aware(
            datetime.datetime.combine(year.ends_on, datetime.time.max)
        )
        if closes < before:
            closed.append(year.pk)
    return closed


def unregistered_candidates(now):
    """Admitted candidates of a campaign closed long enough ago who never registered."""
    closed = campaign_closed_years(now - days_setting("MATRICULE_CANDIDATE_RETENTION_DAYS"))
    registered = Registration.objects.filter(candidate=OuterRef("pk"), registered_at__isnull=False)
    return [
        Candidate.objects.filter(purged_at__isnull=True, academic_year__in=closed).exclude(Exists(registered))
    ]


# What pseudonymising a candidate leaves: the year, the offer, stage and situation, phase, sex,
# birth year, nationality and countries, baccalaureate and school, the grant hint (what admission
# figures count), and the Parcoursup number (Parcoursup's own pseudonym: a later import of the same
# line finds the row, unchanged by its checksum, instead of making it again with the identity).
CANDIDATE_BLANKS = {
    "last_name": "",
    "first_names": "",
    "email": "",
    "email_lower": "",
    "phone": "",
    "ine": "",
    "birth_town": "",
    "address": "",
    "postal_code": "",
    "city": "",
}


def pseudonymise_candidates(queryset, now) -> int:
    return queryset.filter(purged_at__isnull=True).update(
        **CANDIDATE_BLANKS, birth_date=TruncYear("birth_date"), purged_at=now
    )


def apply_unregistered_candidates(due, now) -> int:
    (queryset,) = due
    removed = 0
    for keys in batches(queryset):
        with transaction.atomic():
            rows = Candidate.objects.filter(pk__in=keys)
            users = set(rows.exclude(user__isnull=True).values_list("user_id", flat=True))
            # A registration started and never finished: its form data go with the admission.
            files = purge_registrations(
                Registration.objects.filter(candidate__in=keys, registered_at__isnull=True), now
            )
            removed += pseudonymise_candidates(rows, now)
            pseudonymise_people(users, now)
        delete_files(files)
    return removed


def past_registrations(now):
    """Registrations of academic years ended more than the legal delay ago, not purged yet."""
    ended = years_before(timezone.localdate(now), settings.MATRICULE_REGISTRATION_RETENTION_YEARS)
    return [Registration.objects.filter(purged_at__isnull=True, academic_year__ends_on__lt=ended)]


def purge_registrations(queryset, now) -> list[tuple[object, str]]:
    """Empty the form data of these registrations, what their requests asked and the data of
    the documents issued for them (each keeps its minimum for the verification page, its file
    is returned for deletion). Kept: year, stage, kind, state, dates and fees (statistics and
    accounting), documents' and requests' statuses and decisions. In the caller's transaction."""
    keys = list(queryset.filter(purged_at__isnull=True).values_list("pk", flat=True))
    if not keys:
        return []
    storage = storage_of(IssuedDocument)
    files = []
    issued = list(IssuedDocument.objects.filter(registration__in=keys, purged_at__isnull=True))
    for document in issued:
        files.append((storage, document.file.name))
        if not document.holder_initials and isinstance(document.data, dict):
            for field, value in minimum(document.data).items():
                setattr(document, field, value)
        document.data, document.data_hash, document.file, document.purged_at = {}, "", "", now
    IssuedDocument.objects.bulk_update(
        issued,
        ["data", "data_hash", "file", "purged_at", "holder_initials", "academic_year_code", "stage_name"],
    )
    Request.objects.filter(registration__in=keys).update(data={})
    Registration.objects.filter(pk__in=keys).update(data={}, cleaned={}, purged_at=now)
    return files


def apply_past_registrations(due, now) -> int:
    (queryset,) = due
    removed = 0
    for keys in batches(queryset):
        with transaction.atomic():
            rows = Registration.objects.filter(pk__in=keys)
            users = set(rows.values_list("student__user_id", flat=True))
            files = purge_registrations(rows, now)
            removed += len(keys)
            pseudonymise_people(users, now)
        delete_files(files)
    return removed


def pseudonymise_people(user_ids, now) -> int:
    """The accounts (and student records) of people of whom nothing current is left: every
    registration purged, every admission pseudonymised or of a campaign closed long enough ago
    (then pseudonymised here). Staff accounts are never touched. Kept: the student number (the
    university's identifier for life) and sex (statistics)."""
    closed = set(campaign_closed_years(now - days_setting("MATRICULE_CANDIDATE_RETENTION_DAYS")))
    done = 0
    for user in User.objects.filter(pk__in=list(user_ids)):
        if user.is_superuser or user.is_staff or user.memberships.exists():
            continue
        if Registration.objects.filter(student__user=user, purged_at__isnull=True).exists():
            continue
        admissions = Candidate.objects.filter(
            Q(user=user) | Q(registrations__student__user=user), purged_at__isnull=True
        ).distinct()
        if any(year not in closed for year in admissions.values_list("academic_year_id", flat=True)):
            continue  # admitted again in a campaign still running
        pseudonymise_candidates(Candidate.objects.filter(pk__in=[c.pk for c in admissions.only("pk")]), now)
        Student.objects.filter(user=user).update(last_name="", first_names="", birth_date=None)
        AccountSecurity.objects.filter(user=user).update(email_confirmed="")
        User.objects.filter(pk=user.pk).update(
            username=f"purged-{user.pk}",
            first_name="",
            last_name="",
            email="",
            password=make_password(None),
            is_active=False,
        )
        user.end_other_sessions()  # a session or a cached row of the account ends with it
        done += 1
    return done


# --- Supporting documents and request attachments ------------------------------------------------


def _newer_version():
    return Version.objects.filter(submission=OuterRef("submission"), pk__gt=OuterRef("pk"))


def replaced_documents(now):
    """Document versions that are not the document any more, two months (the appeal delay)
    after: versions refused (the latest of a document still refused, decided before then) or
    replaced by a newer upload (made before then), and the files of requests refused or
    withdrawn before then."""
    cutoff = now - days_setting("MATRICULE_APPEAL_DELAY_DAYS")
    replaced = Exists(_newer_version().filter(uploaded_at__lt=cutoff))
    refused = Q(submission__status=Submission.Status.REFUSED, submission__reviewed_at__lt=cutoff) & ~Exists(
        _newer_version()
    )
    return [
        Version.objects.filter(replaced | refused),
        Attachment.objects.filter(
            Q(request__state=RequestState.REFUSED, request__decided_at__lt=cutoff)
            | Q(request__state=RequestState.WITHDRAWN, request__updated_at__lt=cutoff)
        ),
    ]


def _carried_into_a_later_year(ended: datetime.date) -> Q:
    """A version whose document was carried over (documents.services) into a registration of a
    year not yet past the delay, directly or through the years between: it is still that
    registration's document."""
    carried = Q()
    for depth in range(1, CARRIED_DEPTH + 1):
        path = "__".join(["carried_from"] * depth)
        carried |= Exists(
            Submission.objects.filter(
                **{path: OuterRef("submission_id")}, registration__academic_year__ends_on__gte=ended
            )
        )
    return carried


def past_documents(now):
    """Every uploaded file of registrations of academic years ended more than the documents'
    delay ago (validated, waiting or refused alike, previews with them), unless carried over."""
    ended = years_before(timezone.localdate(now), settings.MATRICULE_DOCUMENT_RETENTION_YEARS)
    return [
        Version.objects.filter(submission__registration__academic_year__ends_on__lt=ended).exclude(
            _carried_into_a_later_year(ended)
        ),
        Attachment.objects.filter(request__registration__academic_year__ends_on__lt=ended),
    ]


def delete_uploads(due, now) -> int:
    """Delete versions (with their page previews) and attachments, rows then files. The
    document keeps its status and decision: the pages that list it show no file to open."""
    versions, attachments = due
    removed = 0
    for keys in batches(versions):
        with transaction.atomic():
            files = names(Version.objects.filter(pk__in=keys)) + names(
                Preview.objects.filter(version__in=keys)
            )
            Preview.objects.filter(version__in=keys).delete()
            removed += Version.objects.filter(pk__in=keys).delete()[1].get(Version._meta.label, 0)
        delete_files(files)
    for keys in batches(attachments):
        with transaction.atomic():
            files = names(Attachment.objects.filter(pk__in=keys))
            removed += Attachment.objects.filter(pk__in=keys).delete()[1].get(Attachment._meta.label, 0)
        delete_files(files)
    return removed


# --- Payments, emails, imports, exports, audit ----------------------------------------------------


def old_notifications(now):
    cutoff = now - days_setting("MATRICULE_PAYMENT_NOTIFICATION_RETENTION_DAYS")
    return [Notification.objects.filter(received_at__lt=cutoff).exclude(raw="")]


def empty_raw(due, now) -> int:
    (queryset,) = due
    removed = 0
    for keys in batches(queryset):
        removed += Notification.objects.filter(pk__in=keys).update(raw="")
    return removed


def sent_email_bodies(now):
    """Sent emails whose body is still there some days after sending (failed ones keep theirs:
    staff may send them again, from the body)."""
    cutoff = now - days_setting("MATRICULE_EMAIL_BODY_RETENTION_DAYS")
    return [Email.objects.filter(status=Email.Status.SENT, sent_at__lt=cutoff).exclude(body=MASKED_BODY)]


def mask_bodies(due, now) -> int:
    (queryset,) = due
    removed = 0
    for keys in batches(queryset):
        # Not kept in full any more: were it ever sent again, it would be made again by its task.
        removed += Email.objects.filter(pk__in=keys).update(body=MASKED_BODY, kept_in_full=False)
    return removed


def old_emails(now):
    """The delivery log's rows, sent or failed, after a year (rows still on their way stay)."""
    cutoff = now - days_setting("MATRICULE_EMAIL_RETENTION_DAYS")
    return [Email.objects.filter(created_at__lt=cutoff, status__in=[Email.Status.SENT, Email.Status.FAILED])]


def old_reminders(now):
    """Who was reminded on which day: kept as long as the emails' log, which holds the reminder."""
    return [Reminder.objects.filter(day__lt=(now - days_setting("MATRICULE_EMAIL_RETENTION_DAYS")).date())]


def old_import_runs(now):
    """Import runs whose file was left in the storage (an import that never started) or whose
    report still lists line issues, quoting the file's values."""
    cutoff = now - days_setting("MATRICULE_IMPORT_RETENTION_DAYS")
    issues = ImportIssue.objects.filter(run=OuterRef("pk"))
    return [ImportRun.objects.filter(Q(started_at__lt=cutoff) & (~Q(stored_file="") | Exists(issues)))]


def clean_import_runs(due, now) -> int:
    """The runs keep their counts (what the campaign's figures say); their file and issues go."""
    (queryset,) = due
    removed = 0
    for keys in batches(queryset):
        for run in ImportRun.objects.filter(pk__in=keys).exclude(stored_file=""):
            # The file first, then the name: a run taken up again finds nothing to open either way.
            forget_stored_file(run)
        ImportIssue.objects.filter(run__in=keys).delete()
        removed += len(keys)
    return removed


def old_exports(now):
    return [ExportJob.objects.filter(created_at__lt=now - exports.retention())]


def apply_exports(due, now) -> int:
    # The exports' own purge (files then rows, recorded as backoffice.export.purged).
    return exports.purge_expired_jobs() if due[0].exists() else 0


def expired_data_exports(now):
    return [DataExport.objects.filter(expires_at__lte=now)]


def apply_data_exports(due, now) -> int:
    # The downloads' own purge (file from storage, then row; recorded as privacy.data_export.purged).
    return data_export.purge_expired(now) if due[0].exists() else 0


def old_events(now):
    return [Event.objects.filter(created_at__lt=now - datetime.timedelta(days=retention_days()))]


def apply_events(due, now) -> int:
    # The audit log's own purge, the only way events are deleted (recorded as audit.purged).
    return purge_events(retention_days(), now=now) if due[0].exists() else 0


# --- The table -------------------------------------------------------------------------------------

AFTER_THE_YEAR = ngettext_lazy(
    "%(count)s year after the end of the academic year",
    "%(count)s years after the end of the academic year",
    "count",
)
AFTER_WRITING = ngettext_lazy(
    "%(count)s day after it was written", "%(count)s days after it was written", "count"
)

CLASSES: tuple[DataClass, ...] = (
    DataClass(
        code="links",
        label=_("Connection and account links"),
        holds=_(
            "The hash of each link emailed to sign in, activate an account or reset a password, "
            "with its account or admission and the address it was sent to."
        ),
        delay=_counted(
            "MATRICULE_LINK_RETENTION_HOURS",
            ngettext_lazy(
                "%(count)s hour after being used or expiring",
                "%(count)s hours after being used or expiring",
                "count",
            ),
        ),
        end=DELETED,
        outcome=_("The link's row is deleted."),
        basis=_(
            "Security of the sign-in (GDPR art. 32): a used or expired link serves no purpose; "
            "kept a day so that opening it again says it expired."
        ),
        settings=("MATRICULE_LINK_RETENTION_HOURS",),
        select=spent_links,
        apply=delete_rows,
    ),
    DataClass(
        code="throttles",
        label=_("Rate-limit counters"),
        holds=_(
            "Failed sign-ins and requests counted per network address, email, student or Parcoursup number."
        ),
        delay=_counted(
            "MATRICULE_THROTTLE_RETENTION_HOURS",
            ngettext_lazy(
                "%(count)s hour without any event or delay",
                "%(count)s hours without any event or delay",
                "count",
            ),
        ),
        end=DELETED,
        outcome=_("The counter is deleted (as if it were back to zero)."),
        basis=_(
            "Security (GDPR art. 32): a counter idle for longer than the longest window or "
            "delay of the limits counts nothing any more."
        ),
        settings=("MATRICULE_THROTTLE_RETENTION_HOURS",),
        select=idle_throttles,
        apply=delete_rows,
    ),
    DataClass(
        code="sessions",
        label=_("Expired sessions"),
        holds=_("The signed-in account of a browser, kept in the database."),
        delay=_fixed(_("at expiry")),
        end=DELETED,
        outcome=_("The session is deleted."),
        basis=_("Security: an expired session can no longer be used."),
        settings=("SESSION_COOKIE_AGE",),
        select=expired_sessions,
        apply=delete_rows,
    ),
    DataClass(
        code="unregistered_candidates",
        label=_("Admitted candidates who never registered"),
        holds=_(
            "Identity, birth date, contacts and address as imported from Parcoursup; the "
            "account made at their first sign-in; a registration started and not finished."
        ),
        delay=_counted(
            "MATRICULE_CANDIDATE_RETENTION_DAYS",
            ngettext_lazy(
                "%(count)s day after the year's last registration window closed",
                "%(count)s days after the year's last registration window closed",
                "count",
            ),
        ),
        end=PSEUDONYMISED,
        outcome=_(
            "Names, birth date (the year stays), email, phone, INE, birth town and address "
            "are blanked; the account is closed and blanked; an unfinished registration's "
            "form data are emptied. The row stays (year, stage, situation) for the admission "
            "figures."
        ),
        basis=_(
            "Public interest mission (GDPR art. 6.1.e), the registration of admitted candidates: "
            "it ends with the campaign and the late registrations at the desk. (Parcoursup keeps "
            "its own data 2 years, then 4 years archived without names.)"
        ),
        settings=("MATRICULE_CANDIDATE_RETENTION_DAYS",),
        select=unregistered_candidates,
        apply=apply_unregistered_candidates,
    ),
    DataClass(
        code="replaced_documents",
        label=_("Refused or replaced documents"),
        holds=_(
            "Uploaded files (identity, diplomas, certificates…) refused or replaced by a newer "
            "one, with their page previews; files sent with a refused or withdrawn request."
        ),
        delay=_counted(
            "MATRICULE_APPEAL_DELAY_DAYS",
            ngettext_lazy(
                "%(count)s day after the decision or the replacement",
                "%(count)s days after the decision or the replacement",
                "count",
            ),
        ),
        end=DELETED,
        outcome=_(
            "The files and previews are deleted from the storage and their rows removed; the "
            "document keeps its status, reason and decision."
        ),
        basis=_(
            "A decision may be challenged within the two months of an administrative appeal; "
            "after that nothing rests on a refused or replaced file."
        ),
        settings=("MATRICULE_APPEAL_DELAY_DAYS",),
        select=replaced_documents,
        apply=delete_uploads,
    ),
    DataClass(
        code="documents",
        label=_("Supporting documents of past years"),
        holds=_(
            "The files uploaded for a registration and their page previews; the files sent "
            "with the year's requests."
        ),
        delay=_counted("MATRICULE_DOCUMENT_RETENTION_YEARS", AFTER_THE_YEAR),
        end=DELETED,
        outcome=_(
            "The files and previews are deleted from the storage and their rows removed, "
            "unless the document was carried over into a later year still kept; the "
            "documents keep their status and decision."
        ),
        basis=_(
            "Proof of the conditions of the registration, while it is current and for the "
            "legal delay after (delay to be confirmed: a setting)."
        ),
        settings=("MATRICULE_DOCUMENT_RETENTION_YEARS",),
        select=past_documents,
        apply=delete_uploads,
    ),
    DataClass(
        code="registrations",
        label=_("Registration files of past years"),
        holds=_(
            "What the student typed in the form (identity, contacts, situation, "
            "baccalaureate…), what their requests asked, the data and PDF of the documents "
            "issued; the account and student record once nothing else is kept."
        ),
        delay=_counted("MATRICULE_REGISTRATION_RETENTION_YEARS", AFTER_THE_YEAR),
        end=PSEUDONYMISED,
        outcome=_(
            "Form and request data are emptied, issued PDFs deleted (their verification "
            "page keeps valid or revoked, initials, year and stage); once every "
            "registration of the person is purged, their names, birth date and email are "
            "blanked and the account closed. Kept: year, stage, state, dates, fees and "
            "payments, the student number."
        ),
        basis=_(
            "Public interest mission (GDPR art. 6.1.e) and the university's records: the "
            "registration file is kept for the legal delay after the year (to be confirmed: "
            "a setting)."
        ),
        settings=("MATRICULE_REGISTRATION_RETENTION_YEARS",),
        select=past_registrations,
        apply=apply_past_registrations,
    ),
    DataClass(
        code="payment_notifications",
        label=_("Payment gateway notifications"),
        holds=_("The raw content of what the payment gateway (or the browser) sent about a payment."),
        delay=_counted(
            "MATRICULE_PAYMENT_NOTIFICATION_RETENTION_DAYS",
            ngettext_lazy("%(count)s day after receipt", "%(count)s days after receipt", "count"),
        ),
        end=MASKED,
        outcome=_(
            "The raw content is emptied; the notification's outcome, amount and reference "
            "stay. Payments themselves are accounting records: kept."
        ),
        basis=_(
            "Proof of what the gateway said, for disputes (a card payment may be disputed up "
            "to 13 months after)."
        ),
        settings=("MATRICULE_PAYMENT_NOTIFICATION_RETENTION_DAYS",),
        select=old_notifications,
        apply=empty_raw,
    ),
    DataClass(
        code="email_bodies",
        label=_("Bodies of sent emails"),
        holds=_("The text of each email sent to a student or a staff member."),
        delay=_counted(
            "MATRICULE_EMAIL_BODY_RETENTION_DAYS",
            ngettext_lazy("%(count)s day after sending", "%(count)s days after sending", "count"),
        ),
        end=MASKED,
        outcome=_(
            "The body is replaced by a notice; recipient, subject and dates stay. Failed "
            "emails keep theirs, to be sent again."
        ),
        basis=_("Support: staff check what a student was sent during the following weeks."),
        settings=("MATRICULE_EMAIL_BODY_RETENTION_DAYS",),
        select=sent_email_bodies,
        apply=mask_bodies,
    ),
    DataClass(
        code="emails",
        label=_("Email delivery log"),
        holds=_("Each email's recipient, subject, dates and delivery errors."),
        delay=_counted("MATRICULE_EMAIL_RETENTION_DAYS", AFTER_WRITING),
        end=DELETED,
        outcome=_("The row is deleted (emails still being sent stay)."),
        basis=_("Proof that an email was sent, for a student who says they never received it."),
        settings=("MATRICULE_EMAIL_RETENTION_DAYS",),
        select=old_emails,
        apply=delete_rows,
    ),
    DataClass(
        code="reminders",
        label=_("Reminders sent"),
        holds=_("Who was reminded of what was missing in their registration, on which day, by whom."),
        delay=_counted("MATRICULE_EMAIL_RETENTION_DAYS", AFTER_WRITING),
        end=DELETED,
        outcome=_("The row is deleted (the audit log keeps its own trace)."),
        basis=_("At most one reminder a person a day; kept as long as the emails' log."),
        settings=("MATRICULE_EMAIL_RETENTION_DAYS",),
        select=old_reminders,
        apply=delete_rows,
    ),
    DataClass(
        code="import_runs",
        label=_("Admissions import files and reports"),
        holds=_(
            "A Parcoursup or results file left in the storage by an import that never ran, "
            "and the report's line issues, which quote the file's values."
        ),
        delay=_counted(
            "MATRICULE_IMPORT_RETENTION_DAYS",
            ngettext_lazy("%(count)s day after the import", "%(count)s days after the import", "count"),
        ),
        end=DELETED,
        outcome=_(
            "The file is deleted from the storage and the line issues removed; the run keeps its counts."
        ),
        basis=_(
            "The report serves the campaign's corrections; the file is deleted as soon as "
            "the import has read it."
        ),
        settings=("MATRICULE_IMPORT_RETENTION_DAYS",),
        select=old_import_runs,
        apply=clean_import_runs,
    ),
    DataClass(
        code="exports",
        label=_("Prepared exports"),
        holds=_("Files of registrations, payments or documents prepared for one agent."),
        delay=_counted("MATRICULE_EXPORT_RETENTION_DAYS", AFTER_WRITING),
        end=DELETED,
        outcome=_("The file is deleted from the storage and its row removed."),
        basis=_("Prepared for the agent's immediate use."),
        settings=("MATRICULE_EXPORT_RETENTION_DAYS",),
        select=old_exports,
        apply=apply_exports,
    ),
    DataClass(
        code="data_exports",
        label=_("Personal data downloads"),
        holds=_(
            "The ZIP of everything about one person that they asked to download (identity, "
            "answers, payments, files)."
        ),
        delay=_counted(
            "MATRICULE_DATA_EXPORT_RETENTION_DAYS",
            ngettext_lazy(
                "%(count)s day after it was prepared", "%(count)s days after it was prepared", "count"
            ),
        ),
        end=DELETED,
        outcome=_("The file is deleted from the storage and its row removed; the person may ask again."),
        basis=_("Prepared for the person to download at once (GDPR articles 15 and 20)."),
        settings=("MATRICULE_DATA_EXPORT_RETENTION_DAYS",),
        select=expired_data_exports,
        apply=apply_data_exports,
    ),
    DataClass(
        code="audit_events",
        label=_("Audit log"),
        holds=_(
            "Who did what and when, on which registration, payment or document, from which "
            "address; staff reading a student's file."
        ),
        delay=_counted("MATRICULE_AUDIT_RETENTION_DAYS", AFTER_WRITING),
        end=DELETED,
        outcome=_("The event is deleted."),
        basis=_(
            "Accountability (GDPR art. 5.2) and security of the processing: tracing a change or an access."
        ),
        settings=("MATRICULE_AUDIT_RETENTION_DAYS",),
        select=old_events,
        apply=apply_events,
    ),
)


def add_class(data_class: DataClass) -> None:
    """For an app above this one (webhooks), at start-up: its class joins the table."""
    global CLASSES
    CLASSES = (*(c for c in CLASSES if c.code != data_class.code), data_class)


def by_code(code: str) -> DataClass:
    return next(data_class for data_class in CLASSES if data_class.code == code)


class RetentionFailed(Exception):
    """Some classes could not be applied (the others were): the run says which."""


def apply(*, dry_run: bool = False, now: datetime.datetime | None = None) -> dict[str, int]:
    """Apply the schedule at `now`: {class code: how many were removed}, or with `dry_run` how
    many would be (nothing changed, nothing recorded). A real run is recorded once in the audit
    log, even when a class failed (the others are applied; RetentionFailed is raised after)."""
    now = now or timezone.now()
    counts, failed = {}, []
    for data_class in CLASSES:
        try:
            due = data_class.select(now)
            if dry_run:
                counts[data_class.code] = sum(queryset.count() for queryset in due)
            else:
                counts[data_class.code] = data_class.apply(due, now)
        except Exception:
            if dry_run:
                raise
            logger.exception("Retention: the class %s could not be applied", data_class.code)
            failed.append(data_class.code)
    if not dry_run:
        record("privacy.retention.applied", counts=counts, failed=failed, at=now.isoformat())
        if failed:
            raise RetentionFailed(", ".join(failed))
    return counts


def last_run() -> Event | None:
    """The latest real run, from the audit log."""
    return Event.objects.filter(action="privacy.retention.applied").order_by("-pk").first()
