"""Filing, withdrawing and deciding student requests. Each service locks the request, re-reads
it, acts once and records an audit event; every decision emails the student."""

from django.db import transaction
from django.utils import timezone

from matricule.accounts.staff import in_scope
from matricule.audit.services import record
from matricule.notifications.services import send_request_accepted_email, send_request_refused_email
from matricule.registration.models import Registration
from matricule.registration.models import State as RegistrationState

from . import states
from .models import DATA_KEYS, NEEDS_ATTACHMENT, OPEN_STATES, Attachment, Kind, Request, State

# The reason kept on a registration cancelled because its student left and got the fees back.
WITHDRAWAL_REASON = "withdrawal: the student left the programme and the fees were refunded"
# A request carries a few files, not a folder: bounds what one student can store.
MAX_ATTACHMENTS = 5
ADDRESS_KEYS = DATA_KEYS[Kind.ADDRESS_CHANGE]


class RequestError(Exception):
    """A request that cannot be filed or moved; `code` says why (the views word it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- What a registration allows ------------------------------------------------------------------


def may_file(registration: Registration) -> bool:
    """Requests are about a registration that is complete: registered."""
    return registration.state == RegistrationState.REGISTERED


def refundable_cents(registration: Registration) -> int:
    from matricule.payments.refunds import refundable_cents as cents

    return cents(registration)


# --- Files ---------------------------------------------------------------------------------------


def _check_files(files) -> list:
    """Each file checked by its content, as supporting documents are (raises UploadRefused)."""
    from matricule.documents.screening import screen_upload

    return [screen_upload(data) for data in files]


def _store(student_request: Request, checked) -> Attachment:
    from matricule.documents.screening import store

    return store(Attachment(request=student_request), checked)


# --- The student's side --------------------------------------------------------------------------


def file_request(registration: Registration, kind: str, data: dict, files=(), *, actor) -> Request:
    """File a request about a registered registration, with its files checked by content.
    Keeps only the data keys of the kind; one open request per kind and registration."""
    if kind not in Kind.values:
        raise RequestError("unknown_kind")
    files = [f for f in files if f]
    if kind in NEEDS_ATTACHMENT and not files:
        raise RequestError("attachment_required")
    if len(files) > MAX_ATTACHMENTS:
        raise RequestError("too_many_files")
    checked = _check_files(files)  # before the transaction: decoding photos takes a while
    kept = {key: data[key] for key in DATA_KEYS[kind] if data.get(key) not in (None, "")}
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if not may_file(locked):
            raise RequestError("not_registered")
        if kind == Kind.FEE_REFUND and not refundable_cents(locked):
            raise RequestError("nothing_to_refund")
        if Request.objects.filter(registration=locked, kind=kind, state__in=OPEN_STATES).exists():
            raise RequestError("already_open")
        student_request = Request.objects.create(
            student_id=locked.student_id, registration=locked, kind=kind, data=kept
        )
        attachments = [_store(student_request, c) for c in checked]
        record(
            "requests.filed",
            actor=actor,
            obj=student_request,
            kind=kind,
            registration=locked.pk,
            attachments=[a.pk for a in attachments],
        )
    return student_request


def add_attachment(student_request: Request, data, *, actor) -> Attachment:
    """One more file for a request still open (e.g. the declaration the student got later)."""
    (checked,) = _check_files([data])
    with transaction.atomic():
        locked = _lock(student_request)
        if not locked.is_open:
            raise RequestError("closed")
        if locked.attachments.count() >= MAX_ATTACHMENTS:
            raise RequestError("too_many_files")
        attachment = _store(locked, checked)
        record("requests.attachment_added", actor=actor, obj=locked, attachment=attachment.pk)
    return attachment


def withdraw(student_request: Request, *, actor) -> Request:
    """The student takes the request back before it is decided."""
    with transaction.atomic():
        locked = _lock(student_request)
        _move(locked, State.WITHDRAWN)
        locked.save()
        record("requests.withdrawn", actor=actor, obj=locked)
    return locked


# --- The registrar's side ------------------------------------------------------------------------


def assign(student_request: Request, agent, *, actor) -> Request:
    """Give the request to an agent of its component (taking it, or taking it over)."""
    with transaction.atomic():
        locked = _lock(student_request)
        _check_may_act(locked, actor)
        _assign(locked, agent, actor)
        locked.save()
    return locked


def _decide(student_request: Request, decision: str, actor) -> Request:
    """The request locked and decided by `actor`, who takes it first if nobody did; the caller
    saves it, in its transaction."""
    locked = _lock(student_request)
    _check_may_act(locked, actor)
    if locked.state == State.SUBMITTED:
        _assign(locked, actor, actor)
    _move(locked, decision)
    locked.decided_by, locked.decided_at = actor, timezone.now()
    return locked


def accept(student_request: Request, *, actor, message: str = "") -> Request:
    """Accept the request and do what it asks (new address, refund…); the student is told.
    A request nobody took is taken by the deciding agent first."""
    with transaction.atomic():
        locked = _decide(student_request, State.ACCEPTED, actor)
        outcome = EFFECTS[locked.kind](locked, actor)
        locked.message, locked.outcome = (message or "").strip(), outcome
        locked.save()
        record(
            "requests.accepted", actor=actor, obj=locked, kind=locked.kind, message=locked.message, **outcome
        )
        send_request_accepted_email(locked)  # delivered once the transaction commits
    return locked


def refuse(student_request: Request, *, actor, message: str) -> Request:
    """Refuse the request; the message (required) tells the student why."""
    message = (message or "").strip()
    if not message:
        raise RequestError("message_required")
    with transaction.atomic():
        locked = _decide(student_request, State.REFUSED, actor)
        locked.message = message
        locked.save()
        record("requests.refused", actor=actor, obj=locked, kind=locked.kind, message=message)
        send_request_refused_email(locked)
    return locked


# --- What an acceptance does, per kind ------------------------------------------------------------


def _locked_registration(student_request: Request) -> Registration:
    return Registration.objects.select_for_update().get(pk=student_request.registration_id)


def _change_address(student_request: Request, actor) -> dict:
    """The new address becomes the registration's contact address, validated and as typed,
    so that the next certificate (made again when its data changes) shows it."""
    registration = _locked_registration(student_request)
    new = {key: student_request.data.get(key, "") for key in ADDRESS_KEYS}
    cleaned, typed = dict(registration.cleaned), dict(registration.data)
    contacts = dict(cleaned.get("contacts") or {})
    previous = {key: contacts.get(key, "") for key in ADDRESS_KEYS}
    cleaned["contacts"] = {**contacts, **new}
    typed["contacts"] = {**(typed.get("contacts") or {}), **new}
    registration.cleaned, registration.data = cleaned, typed
    registration.save(update_fields=["cleaned", "data", "updated_at"])
    return {"previous_address": previous}


def _keep_in_registration(student_request: Request, key: str, value) -> None:
    """Store in the registration's validated data, under `key`, what `value(what is there)` gives."""
    registration = _locked_registration(student_request)
    cleaned = dict(registration.cleaned)
    cleaned[key] = value(cleaned.get(key))
    registration.cleaned = cleaned
    registration.save(update_fields=["cleaned", "updated_at"])


def _acceptance(student_request: Request, actor, **facts) -> dict:
    """What the registration keeps of an accepted request: which one, when and by whom."""
    return {
        "request": student_request.pk,
        **facts,
        "accepted_at": timezone.now().isoformat(),
        "accepted_by": actor.pk,
    }


def _change_situation(student_request: Request, actor) -> dict:
    situation = student_request.data.get("situation", "")
    _keep_in_registration(
        student_request,
        "situation_changes",
        lambda changes: [*(changes or []), _acceptance(student_request, actor, situation=situation)],
    )
    return {}


def _exempt(student_request: Request, actor) -> dict:
    # The decision only: fees already paid come back through a refund request.
    _keep_in_registration(
        student_request, "fee_exemption", lambda _previous: _acceptance(student_request, actor)
    )
    return {}


def _refund(student_request: Request, actor) -> dict:
    """Refund what was paid, or the amount asked if lower (payments.refunds). When a later
    payment's refund fails after others went through, the decision stands and what is left is
    said (outcome `left_cents`, event `requests.refund_incomplete`) for staff to finish by hand;
    when the first one fails nothing was done and the decision is refused. A student leaving the
    programme who got everything back is no longer registered: the registration is cancelled."""
    from matricule.payments import refunds
    from matricule.registration.services import cancel_registration

    registration = _locked_registration(student_request)
    asked = student_request.data.get("amount_cents")
    try:
        refunded = refunds.refund_registration(registration, actor=actor, amount_cents=asked)
    except refunds.NothingToRefund:
        raise RequestError("nothing_to_refund") from None
    except refunds.RefundFailed as error:
        raise RequestError("refund_failed") from error
    if refunded.left_cents:
        record(
            "requests.refund_incomplete",
            actor=actor,
            obj=student_request,
            left_cents=refunded.left_cents,
            failed_payment=refunded.failed_payment,
            error=refunded.error,
        )
    outcome = refunded.as_outcome()
    if student_request.data.get("leaving") and not refunds.refundable_cents(registration):
        cancel_registration(registration, actor=actor, reason=WITHDRAWAL_REASON)
        outcome["cancelled"] = True
    return outcome


def _nothing(student_request: Request, actor) -> dict:
    return {}  # a new card is made outside Matricule: the decision is what counts


EFFECTS = {
    Kind.ADDRESS_CHANGE: _change_address,
    Kind.SITUATION_CHANGE: _change_situation,
    Kind.CARD_REISSUE: _nothing,
    Kind.FEE_EXEMPTION: _exempt,
    Kind.FEE_REFUND: _refund,
}


# --- Helpers -------------------------------------------------------------------------------------


def _lock(student_request: Request) -> Request:
    # Only the request row: deciding two requests of one programme must not wait on each other.
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related(
            "registration__stage__programme", "registration__academic_year", "registration__student__user"
        )
        .get(pk=student_request.pk)
    )


def _move(locked: Request, wanted: str) -> None:
    try:
        states.check(locked.state, wanted)
    except states.TransitionError as error:
        raise RequestError("not_allowed") from error
    locked.state = wanted


def _check_may_act(locked: Request, user) -> None:
    if not in_scope(user, locked.registration.stage.programme.component_id, write=True):
        raise RequestError("out_of_scope")


def _assign(locked: Request, agent, actor) -> None:
    _check_may_act(locked, agent)
    if locked.state == State.IN_REVIEW and locked.assigned_to_id == agent.pk:
        return  # already theirs
    previous = locked.assigned_to_id
    _move(locked, State.IN_REVIEW)
    locked.assigned_to, locked.assigned_at = agent, timezone.now()
    record("requests.assigned", actor=actor, obj=locked, agent=agent.pk, previous=previous)
