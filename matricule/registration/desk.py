"""Desk registration ("inscription en gestion"): a registrar agent registers a person who may not
register online (continuing education, exchange, non-EU students) or who needs help.

The agent fills the same steps as the online form (`services.save_step`, `submit_registration`)
for the student; the back office then records a payment taken at the desk or an exemption
(the payments app is above this one). Windows do not apply
at the desk; the agent's components do. Once registered, the student gets the usual emails:
the confirmation and the account activation link (sent by the accounts module on
`registration_registered`), so they set a password, sign in, see the summary and upload documents.
"""

import secrets
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matricule.accounts.admission_login import user_for_candidate
from matricule.accounts.staff import component_ids, in_scope
from matricule.admissions.models import Candidate, Situation, normalize_parcoursup_number
from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.institution.models import AcademicYear, OfflinePopulation, Stage

from . import reregistration, services
from .models import Kind, Registration, State, Student
from .steps import initial_data, steps_for


class Reason:
    """Why the person is registered at the desk (kept in the audit trail)."""

    CONTINUING_EDUCATION = OfflinePopulation.Kind.CONTINUING_EDUCATION.value
    EXCHANGE = OfflinePopulation.Kind.EXCHANGE.value
    NON_EU_FIRST = OfflinePopulation.Kind.NON_EU_FIRST.value
    HELP = "help"
    CHOICES = [
        (CONTINUING_EDUCATION, _("Continuing education")),
        (EXCHANGE, _("Exchange programme")),
        (NON_EU_FIRST, _("Non-EU student, first registration")),
        (HELP, _("Needs help to register")),
    ]


IDENTITY_FIELDS = ("last_name", "first_names", "sex", "birth_date")


class DeskError(Exception):
    """A refusal to show the agent as it is: the class's `message`, unless one is given."""

    message = ""

    def __init__(self, message=None):
        super().__init__(message or self.message)


class OutOfScope(DeskError):
    message = _("This programme stage is not in your components.")


class NotAdmitted(DeskError):
    message = _("This Parcoursup candidate is not admitted for the current academic year.")


class EmailTaken(DeskError):
    message = _(
        "This email address belongs to another person's account (another date "
        "of birth). Check it, or use the person's own address."
    )


class NoCurrentYear(DeskError):
    message = _("No academic year is marked as the current campaign.")


class NothingToCarry(DeskError):
    message = _("This student has no earlier registration to carry over.")


# --- Finding people and stages --------------------------------------------------------------------


def desk_stages(agent):
    """The stages the agent may register people in (their components', open programmes)."""
    queryset = (
        Stage.objects.filter(programme__is_active=True)
        .select_related("programme__component")
        .order_by("programme__component__name", "programme__name", "level")
    )
    ids = component_ids(agent, write=True)
    return queryset if ids is None else queryset.filter(programme__component_id__in=ids)


def find_candidate(agent, number: str) -> Candidate | None:
    """The admitted candidate of the current campaign with this Parcoursup number, if the agent may
    register them: their stage is in the agent's components, or not mapped to a stage yet."""
    normalized = normalize_parcoursup_number(number)
    year = AcademicYear.objects.current()
    if normalized is None or year is None:
        return None
    candidate = (
        Candidate.objects.select_related("stage__programme__component", "academic_year")
        .filter(academic_year=year, parcoursup_number=normalized, situation=Situation.ACCEPTED)
        .first()
    )
    if candidate is None:
        return None
    if candidate.stage_id and not in_scope(agent, candidate.stage.programme.component_id, write=True):
        return None
    return candidate


def _generated_username() -> str:
    user_model = get_user_model()
    while True:
        username = f"guichet-{timezone.localdate():%Y}-{secrets.token_hex(4)}"
        if not user_model.objects.filter(username=username).exists():
            return username


def _user_for_identity(identity: dict):
    """The person's account, found by email (not a staff account), else created without a
    password: the student chooses one from the activation link once registered."""
    email = identity["email"].strip()
    user_model = get_user_model()
    user = (
        user_model.objects.filter(email__iexact=email, is_superuser=False, memberships__isnull=True)
        .select_related("student")
        .order_by("pk")
        .first()
    )
    if user is not None:
        student = getattr(user, "student", None)
        if student is not None and student.birth_date and student.birth_date != identity["birth_date"]:
            raise EmailTaken
        return user
    user = user_model(
        username=_generated_username(),
        email=email,
        first_name=identity["first_names"][:150],
        last_name=identity["last_name"][:150],
    )
    user.set_unusable_password()
    user.save()
    return user


def _student_with_identity(user, identity) -> Student:
    """The person's Student row; an identity it already has is never overwritten here."""
    student = services.student_for(user)
    changed = student.take_identity_from(identity)
    if changed:
        student.save(update_fields=changed)
    return student


def _active(student: Student, year, stage) -> Registration | None:
    return (
        Registration.objects.filter(student=student, academic_year=year, stage=stage)
        .exclude(state=State.CANCELLED)
        .select_related("stage__programme__component")
        .first()
    )


def _starting_data(registration: Registration, identity) -> tuple[dict, dict, list[str]]:
    """(data, cleaned, valid steps) the registration starts with, by its kind."""
    student, year = registration.student, registration.academic_year
    if registration.kind == Kind.REREGISTRATION:
        previous = reregistration.last_registration(student, year)
        if previous is None:
            raise NothingToCarry
        return reregistration.carried_data(previous, year)
    if registration.kind == Kind.ADDITIONAL:
        main = reregistration.main_registration(student, year)
        if main is None:
            raise NothingToCarry
        carried = [key for key in main.valid_steps if key != "programme"]
        return (
            {k: v for k, v in main.data.items() if k in carried},
            {k: v for k, v in main.cleaned.items() if k in carried},
            carried,
        )
    data = initial_data(registration)  # the admission's details, as online
    if registration.candidate_id is None and identity.email:
        # The address typed at the desk is where the activation link will go.
        data["contacts"] = {
            "email": identity.email,
            "email_confirmation": identity.email,
            "country": "FR",
            **data.get("contacts", {}),
        }
    return data, {}, []


@transaction.atomic
def open_desk_registration(
    *, agent, stage, identity: dict | None = None, candidate=None, kind: str = Kind.FIRST, reason: str = ""
) -> Registration:
    """The person's draft registration in `stage` for the current year, opened by `agent`.

    `identity` (last_name, first_names, sex, birth_date, email) describes a new person; with an
    admitted Parcoursup `candidate` the admission's identity is used and the steps are prefilled
    as online. An active registration of the same student, year and stage is returned as it is."""
    if not in_scope(agent, stage.programme.component_id, write=True):
        raise OutOfScope
    year = AcademicYear.objects.current()
    if year is None:
        raise NoCurrentYear
    if candidate is not None:
        if candidate.academic_year_id != year.pk or candidate.situation != Situation.ACCEPTED:
            raise NotAdmitted
        existing = services.active_registration(candidate)
        if existing is not None:  # started online, or at the desk already
            if not in_scope(agent, existing.stage.programme.component_id, write=True):
                raise OutOfScope
            return existing
        user = user_for_candidate(candidate)
        person = SimpleNamespace(
            **{name: getattr(candidate, name) for name in IDENTITY_FIELDS}, email=candidate.email
        )
    else:
        person = SimpleNamespace(
            **{name: identity.get(name) for name in IDENTITY_FIELDS}, email=identity["email"]
        )
        user = _user_for_identity(identity)
    student = _student_with_identity(user, person)
    existing = _active(student, year, stage)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                student=student, academic_year=year, stage=stage, candidate=candidate, kind=kind
            )
            data, cleaned, valid = _starting_data(registration, person)
            data["desk"] = {"reason": reason}  # e.g. exchange students are not concerned by the CVEC
            registration.data, registration.cleaned = data, cleaned
            registration.valid_steps, registration.touched_steps = valid, list(valid)
            registration.current_step = next(
                (s.key for s in steps_for(registration) if s.key not in valid), "review"
            )
            registration.save(
                update_fields=["data", "cleaned", "valid_steps", "touched_steps", "current_step"]
            )
            record(
                "registration.desk_opened",
                actor=agent,
                obj=registration,
                reason=reason,
                kind=kind,
                stage=stage.code,
                candidate=candidate.pk if candidate else None,
            )
    except IntegrityError:  # the same person opened twice at the same moment (two desks)
        return _active(student, year, stage)
    return registration


def check_scope(registration: Registration, agent) -> None:
    """Refuses (OutOfScope) a registration outside the components the agent may act in."""
    if not in_scope(agent, registration.stage.programme.component_id, write=True):
        raise OutOfScope


def save_desk_step(registration: Registration, key: str, raw, *, agent, **moves):
    """A step typed by the agent, stored as the online form stores it (`moves`: where the form
    goes next, `move_to` and `stay_if_invalid` of `services.save_step`). Returns the bound form."""
    check_scope(registration, agent)
    form = services.save_step(registration, key, raw, actor=agent, **moves)
    record("registration.desk_step_saved", actor=agent, obj=registration, step=key, valid=form.is_valid())
    return form


def submit_desk_registration(registration: Registration, *, agent) -> Registration:
    """Submitted as online: fees computed, then awaiting payment (or registered when none are due).
    Raises services.Incomplete when steps are missing."""
    check_scope(registration, agent)
    with transaction.atomic():
        was_draft = registration.state == State.DRAFT
        registration = services.submit_registration(registration, actor=agent)
        if was_draft:
            record(
                "registration.desk_submitted",
                actor=agent,
                obj=registration,
                state=registration.state,
                fee_total_cents=registration.fee_total_cents,
            )
    return registration


# --- The agent's work in progress ------------------------------------------------------------------


def recent_desk_registrations(agent, limit: int = 20) -> list[Registration]:
    """The registrations the agent opened at the desk lately, newest first (two queries)."""
    ids = list(
        Event.objects.filter(
            action="registration.desk_opened", actor=agent, object_type="registration.registration"
        )
        .order_by("-pk")
        .values_list("object_id", flat=True)[:limit]
    )
    registrations = {
        str(r.pk): r
        for r in Registration.objects.filter(pk__in=[int(i) for i in ids]).select_related(
            "student", "stage__programme__component", "academic_year"
        )
    }
    seen, ordered = set(), []
    for pk in ids:
        if pk in registrations and pk not in seen:
            seen.add(pk)
            ordered.append(registrations[pk])
    return ordered
