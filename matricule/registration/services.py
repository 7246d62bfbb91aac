"""Registration services: each locks the registration, re-reads it, acts once, audits."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matricule.audit.services import record
from matricule.fees.rules import FeeContext, fee_lines_for
from matricule.institution import reference
from matricule.prepared import PreparedQuery

from . import counts, states
from .eligibility import eligibility
from .models import (
    Kind,
    Registration,
    State,
    Student,
    StudentNumberSequence,
    registration_cancelled,
    registration_registered,
)
from .steps import get_step, initial_data, missing_steps, populations

# Form keys that are navigation, not data.
_NOT_DATA = {"csrfmiddlewaretoken", "action", "goto"}


class RegistrationError(Exception):
    """A refusal to show the student as it is."""


class NotEditable(RegistrationError):
    pass


class Incomplete(RegistrationError):
    def __init__(self, steps):
        super().__init__(", ".join(str(step.title) for step in steps))
        self.steps = steps

    @property
    def message(self) -> str:
        """What the student, or the agent at the desk, is told when submitting too early."""
        return _("Some steps are not complete yet: %(steps)s.") % {"steps": str(self)}


class NotAwaitingPayment(RegistrationError):
    def __init__(self):
        super().__init__(_("This registration is not awaiting payment."))


class NotEligible(RegistrationError):
    def __init__(self, verdict):
        super().__init__(verdict.reason)
        self.verdict = verdict


def student_for(user) -> Student:
    student, _created = Student.objects.get_or_create(user=user)
    return student


# Read on the student's home and at each start: compiled once per connection (prepared.py).
_ACTIVE = PreparedQuery(
    lambda candidate_id: (
        Registration.objects.filter(candidate_id=candidate_id)
        .exclude(state=State.CANCELLED)
        .order_by("pk")[:1]
    )
)


def active_registration(candidate) -> Registration | None:
    registration = _ACTIVE.one(candidate.pk)
    return reference.attach(registration) if registration else None


def start_registration(candidate, *, user) -> Registration:
    """The candidate's registration, created (prefilled from the admission) on first call."""
    existing = active_registration(candidate)
    if existing:
        return existing
    verdict = eligibility(candidate)
    if not verdict.may_register:
        raise NotEligible(verdict)
    student = student_for(user)
    changed = student.take_identity_from(candidate)
    if changed:
        student.save(update_fields=changed)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                student=student,
                academic_year=candidate.academic_year,
                stage=candidate.stage,
                candidate=candidate,
                kind=Kind.FIRST,
            )
            registration.data = initial_data(registration)
            registration.current_step = "identity"
            registration.save(update_fields=["data", "current_step"])
            record("registration.started", actor=user, obj=registration)
    except IntegrityError:  # a second tab started it at the same moment
        return active_registration(candidate)
    return registration


def _locked_query(joined):
    query = Registration.objects.select_for_update(of=("self",))
    if joined:  # select_related() with no name would follow every relation
        query = query.select_related(*joined)
    return PreparedQuery(lambda pk: query.filter(pk=pk).order_by()[:1])


# The locked re-read of each save, compiled once per connection and shape (prepared.py).
_LOCKED = {
    joined: _locked_query(joined) for joined in ((), ("student",), ("candidate",), ("student", "candidate"))
}


def _locked(registration: Registration) -> Registration:
    """The registration's row read again and locked, with its student and admission (what the
    services read next: fees, CVEC check, student number). Those the caller has loaded are
    reused, not read again (only the registration's own row is locked: they would be no fresher)."""
    reused, joined = {}, []
    for name in ("student", "candidate"):
        field = Registration._meta.get_field(name)
        if field.is_cached(registration):
            reused[field] = field.get_cached_value(registration)
        else:
            joined.append(name)
    locked = _LOCKED[tuple(joined)].one(registration.pk)
    if locked is None:
        raise Registration.DoesNotExist
    for field, value in reused.items():
        if value is None or getattr(locked, field.attname) == value.pk:
            field.set_cached_value(locked, value)
    return reference.attach(locked)


def _jsonable(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def save_step(
    registration: Registration,
    key: str,
    raw,
    *,
    actor,
    move_to: str | None = None,
    stay_if_invalid: bool = False,
):
    """Store what was typed for a step (kept even when invalid) and whether it is valid.
    Returns the bound form, whose errors the view shows."""
    step = get_step(key)
    with transaction.atomic():
        locked = _locked(registration)
        if not locked.is_editable:
            raise NotEditable(_("This registration has been submitted: it can no longer be changed."))
        values = (
            {
                k: (raw.getlist(k) if len(raw.getlist(k)) > 1 else raw.get(k))
                for k in raw
                if k not in _NOT_DATA
            }
            if hasattr(raw, "getlist")
            else dict(raw)
        )
        form = step.form(locked, data=values)
        valid = form.is_valid()
        locked.data[key] = values
        valid_steps = [k for k in locked.valid_steps if k != key]
        if valid:
            valid_steps.append(key)
            locked.cleaned[key] = {k: _jsonable(v) for k, v in form.cleaned_data.items()}
        else:
            locked.cleaned.pop(key, None)
        locked.valid_steps = valid_steps
        if key not in locked.touched_steps:
            locked.touched_steps = [*locked.touched_steps, key]
        locked.current_step = key if (stay_if_invalid and not valid) else (move_to or key)
        fields = ["data", "cleaned", "valid_steps", "touched_steps", "current_step", "updated_at"]
        locked.save(update_fields=fields)
    for name in fields:  # what refresh_from_db() would read back, without the query
        setattr(registration, name, getattr(locked, name))
    return form


def fee_lines(registration: Registration) -> list[dict]:
    """The fee lines of the registration, by the rules of the fees module."""
    others = (
        Registration.objects.filter(student=registration.student, academic_year=registration.academic_year)
        .exclude(pk=registration.pk)
        .exclude(state=State.CANCELLED)
        .values_list("stage__programme__diploma_type", flat=True)
    )
    social = registration.cleaned.get("social", {})
    context = FeeContext(
        academic_year=registration.academic_year,
        diploma_type=registration.stage.programme.diploma_type,
        grant_holder=social.get("grant", "none") != "none",
        pupille_de_la_nation=social.get("pupille") == "yes",
        exchange="exchange" in populations(registration),
        other_registrations=list(others),
    )
    return [line.as_dict() for line in fee_lines_for(context)]


def submit_registration(registration: Registration, *, actor) -> Registration:
    """Draft → submitted → awaiting payment, or straight to registered when nothing is due.
    A registration already submitted is left as it is."""
    with transaction.atomic():
        locked = _locked(registration)
        if locked.state != State.DRAFT:
            return locked  # already done: nothing changes
        missing = missing_steps(locked)
        if missing:
            raise Incomplete(missing)
        lines = fee_lines(locked)
        locked.fee_lines = lines
        locked.fee_total_cents = max(0, sum(line["amount_cents"] for line in lines))
        _move(locked, State.SUBMITTED, actor=actor)
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["fee_lines", "fee_total_cents", "submitted_at"])
        if locked.fee_total_cents == 0:
            _move(locked, State.EXEMPT, actor=actor)
            _register(locked, actor=actor)
        else:
            _move(locked, State.AWAITING_PAYMENT, actor=actor)
    registration.refresh_from_db()
    return registration


def _move(registration: Registration, wanted: str, *, actor, stamp: str | None = None) -> None:
    """The one write of a registration's state, as the table allows, audited; `stamp`: the field
    that keeps when it happened (registered_at, cancelled_at), saved with it."""
    states.check(registration.state, wanted)
    previous = registration.state
    registration.state = wanted
    fields = ["state", "updated_at"]
    if stamp:
        setattr(registration, stamp, timezone.now())
        fields.append(stamp)
    registration.save(update_fields=fields)
    counts.moved(registration, previous, wanted)
    record(f"registration.{wanted}", actor=actor, obj=registration, previous=previous)


def register(registration: Registration, *, actor) -> Registration:
    """Paid or exempt → registered: the student gets their number; the confirmation is emailed."""
    with transaction.atomic():
        return _register(_locked(registration), actor=actor)


def _register(locked: Registration, *, actor) -> Registration:
    """register() for a registration its caller has locked, in the caller's transaction."""
    if locked.state == State.REGISTERED:
        return locked
    _move(locked, State.REGISTERED, actor=actor, stamp="registered_at")
    assign_student_number(locked.student, locked.academic_year)
    # The confirmation email (certificates) and the account activation (accounts) listen.
    transaction.on_commit(lambda: registration_registered.send(sender=Registration, registration=locked))
    return locked


def cancel_registration(registration: Registration, *, actor, reason: str) -> Registration:
    with transaction.atomic():
        locked = _locked(registration)
        if locked.state == State.CANCELLED:
            return locked
        _move(locked, State.CANCELLED, actor=actor, stamp="cancelled_at")
        record("registration.cancel_reason", actor=actor, obj=locked, reason=reason)
        transaction.on_commit(
            lambda: registration_cancelled.send(sender=Registration, registration=locked, reason=reason)
        )
    return locked


@dataclass(frozen=True)
class NumberFormat:
    prefix: str
    width: int


def number_format(academic_year) -> NumberFormat:
    template = settings.MATRICULE_STUDENT_NUMBER_PREFIX
    return NumberFormat(
        prefix=template.format(yy=f"{academic_year.first_year % 100:02d}", yyyy=academic_year.first_year),
        width=settings.MATRICULE_STUDENT_NUMBER_DIGITS,
    )


def assign_student_number(student: Student, academic_year) -> str:
    """A new, unique number for a student who has none: the sequence row of the prefix is
    locked, so two registrations finishing at the same instant wait for each other."""
    with transaction.atomic(savepoint=False):
        student = Student.objects.select_for_update().get(pk=student.pk)
        if student.student_number:
            return student.student_number
        fmt = number_format(academic_year)
        student.student_number = f"{fmt.prefix}{_next_number(fmt.prefix):0{fmt.width}d}"
        student.save(update_fields=["student_number"])
        return student.student_number


def _next_number(prefix: str) -> int:
    """The prefix's next value, in one statement: its sequence row is created at 1 or
    incremented, and stays locked until the caller's transaction ends."""
    meta = StudentNumberSequence._meta
    quote = connection.ops.quote_name
    table, prefix_column, value = (
        quote(meta.db_table),
        quote(meta.get_field("prefix").column),
        quote(meta.get_field("last_value").column),
    )
    # Names from the model, the prefix as a parameter. Django has no increment-or-create.
    sql = (
        f"INSERT INTO {table} ({prefix_column}, {value}) VALUES (%s, 1) "  # noqa: S608
        f"ON CONFLICT ({prefix_column}) DO UPDATE SET {value} = {table}.{value} + 1 RETURNING {value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        return cursor.fetchone()[0]


def mark_paid(registration: Registration, *, actor) -> Registration:
    """Awaiting payment → paid → registered. Called once the payment is confirmed; a
    registration already paid or registered is left as it is."""
    # No savepoint: the payment's confirmation calls it in its transaction, and fails with it.
    with transaction.atomic(savepoint=False):
        locked = _locked(registration)
        if locked.state == State.AWAITING_PAYMENT:
            _move(locked, State.PAID, actor=actor)
        if locked.state == State.PAID:
            _register(locked, actor=actor)
    registration.refresh_from_db()
    return registration


def reopen_registration(registration: Registration, *, actor, reason: str) -> Registration:
    """Awaiting payment → draft: the registrar's office gives the form back to the student for a
    correction, for `reason`, and tells them; submitting it again computes the fees again. The
    caller checks that no payment is under way (payments are above this app)."""
    from matricule.notifications.services import send_registration_reopened_email

    with transaction.atomic():
        locked = _locked(registration)
        if locked.state != State.AWAITING_PAYMENT:
            raise NotAwaitingPayment
        _move(locked, State.DRAFT, actor=actor)
        event = record("registration.reopen_reason", actor=actor, obj=locked, reason=reason)
        send_registration_reopened_email(locked, reason=reason, event_id=event.pk)
    return locked


def waive_fees(registration: Registration, *, actor) -> Registration:
    """Awaiting payment → exempt: staff waive the fees due (the desk, which audits why). The caller
    then registers the student (`register`) in the same transaction. Raises NotAwaitingPayment
    from any other state."""
    with transaction.atomic():
        locked = _locked(registration)
        if locked.state != State.AWAITING_PAYMENT:
            raise NotAwaitingPayment
        _move(locked, State.EXEMPT, actor=actor)
    return locked


# --- Correcting a student's civil identity (the back office) ------------------------------------

IDENTITY_FIELDS = ("last_name", "first_names", "sex", "birth_date")


def correct_identity(student: Student, *, actor, changes: dict, reason: str, to: str) -> list[str]:
    """The registrar's office corrects the civil identity kept on the student (birth name, first
    names, sex, date of birth) for `reason`: audited with the values before and after, the
    student told at `to`. Returns the fields that changed (none: nothing is written)."""
    from matricule.notifications.services import send_identity_corrected_email

    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        changed = [
            name for name in IDENTITY_FIELDS if name in changes and changes[name] != getattr(locked, name)
        ]
        if not changed:
            return []
        before = {name: _plain(getattr(locked, name)) for name in changed}
        for name in changed:
            setattr(locked, name, changes[name])
        locked.save(update_fields=changed)
        event = record(
            "registration.identity_corrected",
            actor=actor,
            obj=locked,
            fields=changed,
            before=before,
            after={name: _plain(getattr(locked, name)) for name in changed},
            reason=reason,
        )
        shown = [(Student._meta.get_field(name).verbose_name, _shown(locked, name)) for name in changed]
        send_identity_corrected_email(locked, to=to, fields=shown, reason=reason, event_id=event.pk)
    for name in changed:
        setattr(student, name, getattr(locked, name))
    return changed


def _plain(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _shown(student: Student, name: str):
    """A field's new value as the email says it (each language renders the lazy labels)."""
    if name == "sex":
        return dict(Student._meta.get_field("sex").choices).get(student.sex, student.sex)
    if name == "birth_date" and student.birth_date:
        return student.birth_date.strftime("%d/%m/%Y")
    return getattr(student, name)
