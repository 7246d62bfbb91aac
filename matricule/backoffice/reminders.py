"""Reminders ("relances"): an email to each person of a list saying what is still missing for
them, the deadline and where to sign in; sent by staff from the registrations list (through the
task queue) or automatically some days before a registration window closes.

At most one reminder per person and day: the `Reminder` row (unique per student and day, per
candidate and day), the outbox email (its key names the person and the day) and the audit event
are written in one transaction per person, so a task run again, a list sent twice or two agents
at once never email anybody twice, and a crash leaves each person either reminded or not."""

import dataclasses
import datetime
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation

from matricule.admissions.models import Candidate, Phase, Situation
from matricule.audit.services import record
from matricule.documents.models import Submission
from matricule.institution.campaign import campaign_windows
from matricule.institution.models import AcademicYear, Population, RegistrationWindow
from matricule.notifications.services import render_text, send_reminder_email, student_address
from matricule.registration.eligibility import Reason, eligibility, window_state
from matricule.registration.models import Kind as RegistrationKind
from matricule.registration.models import Registration, State
from matricule.registration.reregistration import reregistration_windows

from . import registration_list
from .models import Reminder

TEMPLATE = "notifications/email/reminder.txt"

SENT, ALREADY, NO_EMAIL, NOTHING_MISSING = "sent", "already", "no_email", "nothing_missing"
# Unfinished registrations: the form, then the payment.
UNFINISHED = [State.DRAFT, State.SUBMITTED, State.AWAITING_PAYMENT]
_OPEN_DOCUMENTS = [Submission.Status.MISSING, Submission.Status.REFUSED]


# --- What one person is reminded of ---------------------------------------------------------------


def _documents_prefetch() -> Prefetch:
    return Prefetch(
        "submissions",
        queryset=Submission.objects.filter(status__in=_OPEN_DOCUMENTS).select_related(
            "document_type", "reason"
        ),
        to_attr="open_submissions",
    )


def missing_for(registration: Registration | None) -> list[dict]:
    """What is still missing (codes the email template words), for a registration (its
    `open_submissions` prefetched), or for an admitted candidate who has not started (None)."""
    if registration is None:
        return [{"code": "not_started"}]
    if registration.state == State.CANCELLED:
        return []
    missing = []
    if registration.state == State.DRAFT:
        missing.append({"code": "form"})
    elif registration.state in (State.SUBMITTED, State.AWAITING_PAYMENT):
        missing.append({"code": "payment"})
    documents = [
        {
            "name_fr": s.document_type.name_fr,
            "name_en": s.document_type.name_en,
            "status": s.status,
            "reason_fr": s.reason.label_fr if s.reason else "",
            "reason_en": s.reason.label_en if s.reason else "",
            "comment": s.comment if s.status == Submission.Status.REFUSED else "",
        }
        for s in getattr(registration, "open_submissions", ())
    ]
    if documents:
        missing.append({"code": "documents", "documents": documents})
    return missing


def deadline_for(*, registration=None, candidate=None, now=None) -> datetime.datetime | None:
    """When the window that applies to the person closes, if it is open now: the admission's
    window for a first registration, the re-registration window otherwise."""
    now = now or timezone.now()
    candidate = candidate or (registration.candidate if registration and registration.candidate_id else None)
    if candidate is not None:
        verdict = eligibility(candidate, now)
        return verdict.window.closes_at if verdict.reason == Reason.OK and verdict.window else None
    if registration is None or registration.kind == RegistrationKind.FIRST:
        return None  # a first registration without admission: made at the desk, no window
    windows = reregistration_windows(registration.academic_year, registration.stage.programme.component)
    window, _state = window_state(windows, now)
    return window.closes_at if window is not None and window.is_open(now) else None


def link_for(registration: Registration | None) -> str:
    """Where to sign in: the public registration page for who has not started, the student's
    home otherwise (French addresses: the page offers the English version)."""
    with translation.override("fr"):
        path = reverse("registration-page") if registration is None else reverse("registration:home")
    return f"{settings.SITE_URL}{path}"


def _first_name(registration, candidate) -> str:
    if registration is not None:
        return registration.student.first_names or registration.student.user.first_name
    return candidate.first_names


def email_context(*, registration=None, candidate=None, deadline=None, now=None) -> dict:
    """What the reminder email says to this person (also the confirmation page's preview)."""
    if deadline is None:
        deadline = deadline_for(registration=registration, candidate=candidate, now=now)
    return {
        "first_name": _first_name(registration, candidate),
        "missing": missing_for(registration),
        "deadline": deadline,
        "url": link_for(registration),
    }


def preview(*, registration=None, candidate=None) -> str:
    """The email of this person in the current language, as the confirmation page shows it."""
    return render_text(TEMPLATE, email_context(registration=registration, candidate=candidate)).strip()


def _address(registration, candidate) -> str:
    if registration is not None:
        return student_address(registration) or ""
    return candidate.email or ""


def send_one(
    *,
    registration: Registration | None = None,
    candidate: Candidate | None = None,
    kind: str = Reminder.Kind.MANUAL,
    sender=None,
    deadline: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> str:
    """Remind one person (a registration's student, or a candidate who has not started), unless
    they were reminded today, have no address or nothing is missing. Returns what happened:
    SENT, ALREADY, NO_EMAIL or NOTHING_MISSING."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    missing = missing_for(registration)
    if not missing:
        return NOTHING_MISSING
    to = _address(registration, candidate)
    if not to:
        return NO_EMAIL
    person = {"student": registration.student} if registration is not None else {"candidate": candidate}
    with transaction.atomic():
        # The unique constraint decides between two senders at once (get_or_create re-reads).
        reminder, created = Reminder.objects.get_or_create(
            **person, day=day, defaults={"kind": kind, "sender": sender}
        )
        if not created:
            return ALREADY
        context = email_context(registration=registration, candidate=candidate, deadline=deadline, now=now)
        who = (
            f"student:{registration.student_id}" if registration is not None else f"candidate:{candidate.pk}"
        )
        send_reminder_email(to=to, key=f"{who}:{day.isoformat()}", context=context)
        obj = registration if registration is not None else candidate
        stage = (registration or candidate).stage
        record(
            "backoffice.reminder.sent",
            actor=sender,
            obj=obj,
            component_id=stage.programme.component_id if stage else None,
            kind=kind,
            missing=[item["code"] for item in missing],
            day=day.isoformat(),
        )
    return SENT


# --- A list of people ------------------------------------------------------------------------------


@dataclass
class Plan:
    """Who of a list would be reminded now, and who is skipped and why."""

    registration_ids: list[int] = field(default_factory=list)
    candidate_ids: list[int] = field(default_factory=list)
    already: int = 0
    no_email: int = 0
    nothing_missing: int = 0
    first: object = None  # the first person to remind: a registration or a candidate

    @property
    def to_send(self) -> int:
        return len(self.registration_ids) + len(self.candidate_ids)

    @property
    def skipped(self) -> int:
        return self.already + self.no_email + self.nothing_missing


def _registrations(queryset):
    return queryset.select_related(
        "student__user",
        "stage__programme__component",
        "academic_year",
        "candidate__academic_year",
        "candidate__stage__programme__component",
    ).prefetch_related(_documents_prefetch())


def plan(filters, user, *, now=None) -> Plan:
    """The reminders the list (`registration_list.Filters`) would send now, in the components
    where the user may act; a student listed twice (two registrations) counts once. Three queries
    whatever the list's length."""
    day = timezone.localdate(now or timezone.now())
    result = Plan()
    if filters.year is None:
        return result
    if filters.lists_candidates:
        # Of the admitted, those who have started are reminded through their registration.
        not_started = dataclasses.replace(filters, progress=registration_list.NOT_STARTED)
        rows = registration_list.candidates(not_started, user, write=True)
        today = Reminder.objects.filter(day=day, candidate__in=rows.values("pk"))
        reminded = set(today.values_list("candidate_id", flat=True))
        for candidate in rows:
            if candidate.pk in reminded:
                result.already += 1
            elif not candidate.email:
                result.no_email += 1
            else:
                result.candidate_ids.append(candidate.pk)
                result.first = result.first or candidate
        return result
    rows = registration_list.filtered_registrations(filters, user, write=True)
    today = Reminder.objects.filter(day=day, student__in=rows.values("student_id"))
    reminded = set(today.values_list("student_id", flat=True))
    seen = set()
    for registration in _registrations(rows).order_by(*registration_list.ordering(filters)):
        if registration.student_id in seen:
            continue
        seen.add(registration.student_id)
        if registration.student_id in reminded:
            result.already += 1
        elif not missing_for(registration):
            result.nothing_missing += 1
        elif not student_address(registration):
            result.no_email += 1
        else:
            result.registration_ids.append(registration.pk)
            result.first = result.first or registration
    return result


def send_list(registration_ids, candidate_ids, *, sender=None, kind=Reminder.Kind.MANUAL, now=None) -> dict:
    """Remind the people planned (the task's body): each in its own transaction, so a run taken
    up again after a crash sends only to those not reminded yet today."""
    counts = {SENT: 0, ALREADY: 0, NO_EMAIL: 0, NOTHING_MISSING: 0}
    for start in range(0, len(registration_ids), 500):
        batch = _registrations(Registration.objects.filter(pk__in=registration_ids[start : start + 500]))
        for registration in batch.order_by("pk"):
            counts[send_one(registration=registration, kind=kind, sender=sender, now=now)] += 1
    for start in range(0, len(candidate_ids), 500):
        batch = Candidate.objects.filter(pk__in=candidate_ids[start : start + 500]).select_related(
            "academic_year", "stage__programme"
        )
        for candidate in batch.order_by("pk"):
            # Started since the list was sent: the registration's own reminder is another day's.
            if Registration.objects.filter(candidate=candidate).exists():
                counts[NOTHING_MISSING] += 1
                continue
            counts[send_one(candidate=candidate, kind=kind, sender=sender, now=now)] += 1
    return counts


# --- Automatic reminders ---------------------------------------------------------------------------


def windows_closing(year: AcademicYear, now: datetime.datetime) -> list[RegistrationWindow]:
    """The year's windows open now that close in one of the configured numbers of days."""
    today = timezone.localdate(now)
    days = set(settings.MATRICULE_REMINDER_DAYS_BEFORE_CLOSE)
    return [
        window
        for window in campaign_windows(year)
        if window.is_open(now) and (timezone.localdate(window.closes_at) - today).days in days
    ]


def _in_components(queryset, window: RegistrationWindow, path: str):
    components = [c.pk for c in window.components.all()]
    return queryset.filter(**{f"{path}__in": components}) if components else queryset


def send_automatic(now: datetime.datetime | None = None) -> int:
    """The daily job: for each window closing in N days (MATRICULE_REMINDER_DAYS_BEFORE_CLOSE),
    remind the admitted candidates of its populations who have not finished (not started, or
    registration unfinished), those re-registering who have not finished, and the students of
    its kind of registration whose documents are missing or refused. Run twice a day, it sends
    nothing more (one reminder per person and day). Returns how many were sent."""
    now = now or timezone.now()
    year = AcademicYear.objects.current()
    if year is None:
        return 0
    sent = 0
    for window in windows_closing(year, now):
        remind = partial(send_one, kind=Reminder.Kind.AUTOMATIC, deadline=window.closes_at, now=now)
        if window.population == Population.REREGISTRATION:
            kinds = [RegistrationKind.REREGISTRATION, RegistrationKind.ADDITIONAL]
            unfinished = Q(state__in=UNFINISHED)
        else:
            admitted = Candidate.objects.filter(
                academic_year=year, situation=Situation.ACCEPTED, purged_at=None
            )
            # Populations registered offline by their office are not asked to register online.
            admitted = admitted.filter(Q(offline_population__isnull=True) | Q(offline_population=""))
            if window.population == Population.FIRST_MAIN:
                # Complementary-phase admits register in the second period only (eligibility).
                admitted = admitted.exclude(phase=Phase.COMPLEMENTARY)
            admitted = _in_components(admitted, window, "stage__programme__component_id")
            not_started = admitted.exclude(Exists(Registration.objects.filter(candidate=OuterRef("pk"))))
            for candidate in not_started.select_related("academic_year", "stage__programme").order_by("pk"):
                sent += remind(candidate=candidate) == SENT
            kinds = [RegistrationKind.FIRST]
            unfinished = Q(candidate__in=admitted, state__in=UNFINISHED)
        documents = Q(
            Exists(Submission.objects.filter(registration=OuterRef("pk"), status__in=_OPEN_DOCUMENTS)),
            state__in=registration_list.PAST_THE_FORM,
        )
        rows = Registration.objects.filter(unfinished | documents, academic_year=year, kind__in=kinds)
        rows = _in_components(rows, window, "stage__programme__component_id")
        for registration in _registrations(rows).order_by("pk"):
            sent += remind(registration=registration) == SENT
    return sent
