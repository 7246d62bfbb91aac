"""Re-registration of continuing students, from last year's registration and result.

What a student may do follows the result the student records system exported for last year's
stage (`admissions.Result`): passed (ADM) or allowed to carry on (AJAC) → the next stage;
failed (AJ) or absent (DEF) → the same stage again; excluded (EXC) → the desk only; graduated
(DIP), or passed the last stage → nothing to re-register. The year's re-registration window
applies, per component where one is configured.
"""

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from matricule.accounts import limits, throttle
from matricule.accounts.activation import has_activated_account
from matricule.accounts.models import Throttle
from matricule.admissions.models import Result, ResultCode
from matricule.audit.services import record
from matricule.compat import task
from matricule.institution.models import AcademicYear, Population, RegistrationWindow
from matricule.scheduling.queues import LOGIN_PRIORITY

from .eligibility import WindowState, window_state
from .models import Kind, Registration, State, Student

# Steps asked again every year; the others are carried over from last year.
ASKED_AGAIN = ("contacts", "social", "cvec", "programme")
CARRIED = ("identity", "ine", "baccalaureate")
# Steps the student confirms in one click when nothing changed.
CONFIRMABLE = ("contacts", "social")


class Outcome:
    NEXT = "next"  # passed, or allowed into the next stage
    REPEAT = "repeat"  # the same stage again
    DESK = "desk"  # excluded from online re-registration
    DONE = "done"  # graduated, or last stage passed
    NO_RESULT = "no_result"  # last year's result is not known yet
    NONE = "none"  # not registered last year: nothing to re-register from


@dataclass(frozen=True)
class Offer:
    outcome: str
    previous: Registration | None = None
    result: Result | None = None
    stage: object | None = None  # the stage offered (institution.Stage)
    window: RegistrationWindow | None = None  # the open one, or the next to open
    window_state: str = ""
    existing: Registration | None = None  # this year's re-registration, if started

    @property
    def may_register(self) -> bool:
        return self.outcome in (Outcome.NEXT, Outcome.REPEAT) and self.window_state == WindowState.OPEN

    @property
    def component(self):
        stage = self.stage or (self.previous.stage if self.previous else None)
        return stage.programme.component if stage else None


def previous_year(year: AcademicYear) -> AcademicYear | None:
    return AcademicYear.objects.filter(starts_on__lt=year.starts_on).order_by("-starts_on").first()


def last_registration(student: Student, year: AcademicYear) -> Registration | None:
    """The student's main registration of the year before `year`, if it went through."""
    before = previous_year(year)
    if before is None:
        return None
    return (
        Registration.objects.filter(student=student, academic_year=before, state=State.REGISTERED)
        .exclude(kind=Kind.ADDITIONAL)
        .select_related(
            "stage__next_stage__programme__component", "stage__programme__component", "academic_year"
        )
        .order_by("-registered_at", "-pk")
        .first()
    )


def reregistration_windows(year: AcademicYear, component) -> list[RegistrationWindow]:
    windows = RegistrationWindow.objects.filter(academic_year=year, population=Population.REREGISTRATION)
    # A window of the component wins over the university-wide one.
    own = list(windows.filter(components=component).order_by("opens_at"))
    return own or list(windows.filter(components__isnull=True).order_by("opens_at"))


def existing_reregistration(student: Student, year: AcademicYear) -> Registration | None:
    return (
        Registration.objects.filter(student=student, academic_year=year, kind=Kind.REREGISTRATION)
        .exclude(state=State.CANCELLED)
        .select_related("stage__programme__component")
        .first()
    )


def offer_for(
    student: Student, year: AcademicYear | None = None, now: datetime.datetime | None = None
) -> Offer:
    year = year or AcademicYear.objects.current()
    now = now or timezone.now()
    previous = last_registration(student, year) if year else None
    if previous is None or not student.student_number:
        return Offer(Outcome.NONE)
    existing = existing_reregistration(student, year)
    result = (
        Result.objects.filter(
            student_number=student.student_number, year_code=previous.academic_year.code, stage=previous.stage
        )
        .order_by("-updated_at")
        .first()
    )
    if result is None:
        return Offer(Outcome.NO_RESULT, previous=previous, existing=existing)
    stage = None
    if result.result in (ResultCode.ADM, ResultCode.AJAC):
        stage = previous.stage.next_stage
        outcome = Outcome.NEXT if stage is not None else Outcome.DONE
    elif result.result in (ResultCode.AJ, ResultCode.DEF):
        stage, outcome = previous.stage, Outcome.REPEAT
    elif result.result == ResultCode.EXC:
        outcome = Outcome.DESK
    else:
        outcome = Outcome.DONE
    if stage is None:
        return Offer(outcome, previous=previous, result=result, existing=existing)
    window, state = window_state(reregistration_windows(year, stage.programme.component), now)
    return Offer(
        outcome,
        previous=previous,
        result=result,
        stage=stage,
        window=window,
        window_state=state,
        existing=existing,
    )


class NotOffered(Exception):
    def __init__(self, offer: Offer):
        super().__init__(offer.outcome)
        self.offer = offer


def carried_data(previous: Registration, year: AcademicYear) -> tuple[dict, dict, list[str]]:
    """(data, cleaned, valid steps) of a new registration, from last year's.

    Identity, INE and baccalaureate are carried as they were validated; last year's situation
    is known (a student of this university); contacts and social situation are prefilled but
    must be confirmed; the CVEC (a new one each year) and the consents are asked afresh."""
    data, cleaned = {}, {}
    for key in CARRIED:
        if key in previous.cleaned:
            cleaned[key] = dict(previous.cleaned[key])
            data[key] = dict(previous.data.get(key) or {})
    university = previous.stage.programme.component.university
    previous_step = {
        "last_situation": "higher",
        "last_establishment": university.name,
        "last_establishment_year": previous.academic_year.first_year,
    }
    data["previous"], cleaned["previous"] = dict(previous_step), dict(previous_step)
    for key in CONFIRMABLE:
        data[key] = dict(previous.data.get(key) or {})
    valid = [key for key in (*CARRIED, "previous") if key in cleaned]
    return data, cleaned, valid


def start_reregistration(student: Student, *, user, now=None) -> Registration:
    """This year's re-registration, created (carried over from last year) on first call."""
    year = AcademicYear.objects.current()
    offer = offer_for(student, year, now)
    if offer.existing:
        return offer.existing
    if not offer.may_register:
        raise NotOffered(offer)
    data, cleaned, valid = carried_data(offer.previous, year)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                student=student,
                academic_year=year,
                stage=offer.stage,
                kind=Kind.REREGISTRATION,
                data=data,
                cleaned=cleaned,
                valid_steps=valid,
                touched_steps=list(valid),
                current_step="confirm",
            )
            record(
                "registration.reregistration_started",
                actor=user,
                obj=registration,
                previous=offer.previous.pk,
                result=offer.result.result,
                stage=offer.stage.code,
            )
    except IntegrityError:  # a second tab started it at the same moment
        return existing_reregistration(student, year)
    return registration


def confirm_unchanged(registration: Registration, *, actor) -> list[str]:
    """One click: last year's contacts and social situation, confirmed as they are. Returns the
    keys that did not validate (the student then opens those steps)."""
    from .services import save_step

    failed = []
    for key in CONFIRMABLE:
        if key in registration.valid_steps:
            continue
        form = save_step(registration, key, dict(registration.data.get(key) or {}), actor=actor)
        if not form.is_valid():
            failed.append(key)
    record("registration.unchanged_confirmed", actor=actor, obj=registration, failed=failed)
    return failed


# --- Connection link for continuing students whose account was never activated -------------


def _student_matching(number: str, birth_date: datetime.date, email: str) -> Student | None:
    student = (
        Student.objects.select_related("user")
        .filter(student_number=number.strip().upper(), birth_date=birth_date)
        .first()
    )
    if student is None:
        return None
    emails = {student.user.email.lower()}
    for registration in student.registrations.exclude(state=State.CANCELLED).only("cleaned"):
        emails.add((registration.cleaned.get("contacts", {}).get("email") or "").lower())
    return student if email.strip().lower() in emails - {""} else None


def request_student_link(*, number: str, birth_date: datetime.date, email: str, address: str):
    """Student number + date of birth + email → a connection link, when the three match and
    the account was never activated. The same answer either way, and the same delays as the
    admission login (accounts.limits.DetailsAttempt): matching details always get their link;
    returns when to try again while a delay is in force, else None."""
    key = f"student:{number.strip().upper()[:20]}"
    attempt = limits.DetailsAttempt(key, address)
    retry_at = attempt.retry_at()  # what the answer says depends on this alone
    with transaction.atomic():
        student = _student_matching(number, birth_date, email)
        if retry_at is None:  # attempts made during a delay are not counted
            attempt.counted(matched=student is not None)
        if student is None:
            if retry_at is None:
                record("accounts.student_login.failed", number=key, address=address)
            return retry_at
        if has_activated_account(student.user):
            record("accounts.student_login.account_activated", obj=student)
            return retry_at
        if throttle.locked_until(Throttle.Scope.LINK_REQUEST, key):
            return retry_at
        throttle.hit(Throttle.Scope.LINK_REQUEST, key)
        record("accounts.student_login.link_requested", obj=student)
        language = translation.get_language() or settings.LANGUAGE_CODE
        to = email.strip()
        transaction.on_commit(lambda: send_student_link.enqueue(student.pk, to, language))
    return retry_at


@task(queue_name="login", priority=LOGIN_PRIORITY)
def send_student_link(student_id: int, to: str, language: str = "fr") -> None:
    from matricule.accounts.admission_login import create_user_link
    from matricule.notifications.services import send_login_link_email, sent_already

    student = Student.objects.select_related("user").get(pk=student_id)
    if has_activated_account(student.user):
        return
    if sent_already("login_link"):
        return  # taken up again after its worker died: the link was sent; a new one would void it
    token = create_user_link(student.user)
    with translation.override(language):
        path = reverse("accounts:link", args=[token])
    send_login_link_email(
        SimpleNamespace(first_names=student.first_names, email=to), settings.SITE_URL + path
    )


# --- Additional registration: a second programme in the same year ------------------------------


def main_registration(student: Student, year: AcademicYear) -> Registration | None:
    return (
        Registration.objects.filter(student=student, academic_year=year, state=State.REGISTERED)
        .exclude(kind=Kind.ADDITIONAL)
        .select_related("stage__programme")
        .order_by("pk")
        .first()
    )


def additional_stages(student: Student, year: AcademicYear | None = None):
    """Stages the student may add this year: in programmes configured to accept additional
    registrations, at the entry level, other than the programmes they are already in."""
    from matricule.institution.models import Stage

    year = year or AcademicYear.objects.current()
    if main_registration(student, year) is None:
        return Stage.objects.none()
    taken = (
        Registration.objects.filter(student=student, academic_year=year)
        .exclude(state=State.CANCELLED)
        .values("stage__programme_id")
    )
    return (
        Stage.objects.filter(programme__accepts_additional=True, programme__is_active=True)
        .filter(level=1)
        .exclude(programme_id__in=taken)
        .select_related("programme__component")
        .order_by("programme__name", "level")
    )


def start_additional(student: Student, stage, *, user) -> Registration:
    """A second registration this year: everything carried from the main one (the CVEC is not
    asked again, the documents are shared); only the consents for the new programme are asked."""
    year = AcademicYear.objects.current()
    main = main_registration(student, year)
    if main is None or not additional_stages(student, year).filter(pk=stage.pk).exists():
        raise NotOffered(Offer(Outcome.NONE))
    carried = [key for key in main.valid_steps if key != "programme"]
    with transaction.atomic():
        registration = Registration.objects.create(
            student=student,
            academic_year=year,
            stage=stage,
            kind=Kind.ADDITIONAL,
            data={k: v for k, v in main.data.items() if k in carried},
            cleaned={k: v for k, v in main.cleaned.items() if k in carried},
            valid_steps=carried,
            touched_steps=list(carried),
            current_step="programme",
        )
        record("registration.additional_started", actor=user, obj=registration, main=main.pk)
    return registration
