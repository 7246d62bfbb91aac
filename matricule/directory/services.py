"""Keeping registered students' ENT accounts in the university's directory (SupAnn 2021).

A student's entry is written from what Matricule knows, whole, every time (entries.py): running
it twice changes nothing, so a run taken up again after a crash, a duplicate task or the sweep
racing the queued task all end the same. Each student has a `DirectoryAccount` row saying where
their synchronisation stands: `request_sync` marks it pending (the task queue runs `sync`), a
failure is retried after BACKOFF by the sweep (`sync_due`, a recurring job) and given up after
MAX_ATTEMPTS; `manage.py sync_directory` starts a whole year again.

The password is never in the task queue nor in a row: `set_password` sends it to the directory
during the activation request itself (accounts.activation's password hook).
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from matricule.accounts import activation
from matricule.audit.services import record
from matricule.registration.models import Registration, State, Student
from matricule.scheduling import backoff

from . import client, config, entries
from .models import DirectoryAccount

logger = logging.getLogger(__name__)
Status = DirectoryAccount.State

# Waits after the 1st, 2nd… failed attempt (a directory restarted, then down for the night).
BACKOFF = backoff.OUTSIDE_SERVICE
MAX_ATTEMPTS = len(BACKOFF) + 1
# A pending row younger than this is left to the task queued with it; older, the sweep runs it.
GRACE = datetime.timedelta(seconds=30)
BATCH = 200


# --- Requests ------------------------------------------------------------------------------------


def request_sync(student_id: int, *, only_existing: bool = False) -> bool:
    """Mark the student's account to be synchronised (the caller queues the task after the
    commit). `only_existing`: do nothing for a student without an ENT account (a registration
    cancelled before it was registered). False when nothing is to be done."""
    if not config.enabled():
        return False
    with transaction.atomic():
        if only_existing and not DirectoryAccount.objects.filter(student_id=student_id).exists():
            return False
        account, _ = DirectoryAccount.objects.get_or_create(student_id=student_id)
        DirectoryAccount.objects.filter(pk=account.pk).update(
            state=Status.PENDING,
            generation=F("generation") + 1,
            attempts=0,
            last_error="",
            next_attempt_at=timezone.now() + GRACE,
        )
    return True


# --- What Matricule knows of the person ----------------------------------------------------------


def person_of(student: Student) -> entries.Person:
    registered = list(
        Registration.objects.filter(student=student, state=State.REGISTERED)
        .select_related("academic_year", "stage__programme__component")
        .order_by("academic_year__starts_on", "pk")
    )
    latest_first = list(reversed(registered))

    def latest(step: str) -> dict:
        return next((r.cleaned[step] for r in latest_first if r.cleaned.get(step)), {})

    ine = latest("ine")
    user = student.user
    return entries.Person(
        student_number=student.student_number or "",
        last_name=student.last_name or user.last_name,
        usual_name=latest("identity").get("usual_name", ""),
        first_names=student.first_names or user.first_name,
        ine=ine.get("ine", "") if ine.get("has_ine") == "yes" else "",
        personal_email=latest("contacts").get("email", "") or user.email,
        enrolments=tuple(entries.enrolment_of(r) for r in registered),
    )


# --- Writing the entry ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Written:
    uid: str
    dn: str
    created: bool


def _write(connection, directory, account: DirectoryAccount, person: entries.Person) -> Written:
    """Create or update the person's entry; idempotent."""
    found = client.find(connection, directory, student_number=person.student_number, uid=account.uid)
    if found is None:
        uid = account.uid or directory.uid_format.format(student_number=person.student_number)
        dn = client.dn_for(directory, uid)
        wanted = entries.attributes(person, uid=uid, config=directory, current={}, today=timezone.localdate())
        try:
            client.add(connection, dn, wanted)
            return Written(uid, dn, created=True)
        except client.EntryExists:
            # Made meanwhile (another run, or by hand without a supannEtuId): update it below.
            found = client.find(connection, directory, student_number=person.student_number, uid=uid)
            if found is None:
                raise
    dn, current = found
    uid = (current.get("uid") or [account.uid])[0]
    wanted = entries.attributes(
        person, uid=uid, config=directory, current=current, today=timezone.localdate()
    )
    client.replace(connection, dn, wanted, current)
    return Written(uid, dn, created=False)


def _failed(account: DirectoryAccount, generation: int, error: str) -> None:
    attempts = account.attempts + 1
    retry = BACKOFF[attempts - 1] if attempts < MAX_ATTEMPTS else None
    DirectoryAccount.objects.filter(pk=account.pk, generation=generation).update(
        state=Status.FAILED,
        attempts=attempts,
        last_error=error[:500],
        next_attempt_at=timezone.now() + retry if retry else None,
    )
    record("directory.account.sync_failed", obj=account.student, attempts=attempts, error=error[:500])
    logger.warning(
        "directory: student %s not synchronised (attempt %s): %s", account.student_id, attempts, error
    )


def _synced(account: DirectoryAccount, generation: int, written: Written, **extra) -> None:
    now = timezone.now()
    fields = {"uid": written.uid, "dn": written.dn, "last_synced_at": now, **extra}
    # Synchronised only if no newer request came in meanwhile; else it stays pending, due now.
    done = DirectoryAccount.objects.filter(pk=account.pk, generation=generation).update(
        state=Status.SYNCED, attempts=0, last_error="", next_attempt_at=None, **fields
    )
    if not done:
        DirectoryAccount.objects.filter(pk=account.pk).update(next_attempt_at=now, **fields)
    record(
        "directory.account.created" if written.created else "directory.account.synced",
        obj=account.student,
        uid=written.uid,
    )


def sync(student_id: int) -> str:
    """Write the student's entry now: "synced", "failed" (retried later), or "skipped" (no
    directory, no account row, or no student number yet)."""
    if not config.enabled():
        return "skipped"
    account = DirectoryAccount.objects.select_related("student__user").filter(student_id=student_id).first()
    if account is None:
        return "skipped"
    if not account.student.student_number:  # nothing to write until a registration gives one
        DirectoryAccount.objects.filter(pk=account.pk).update(next_attempt_at=None)
        return "skipped"
    generation = account.generation
    directory = config.current()
    try:
        person = person_of(account.student)
        with client.session(directory) as connection:
            written = _write(connection, directory, account, person)
    except client.DirectoryError as error:
        _failed(account, generation, str(error))
        return "failed"
    _synced(account, generation, written)
    return "synced"


def due_ids(now=None) -> list[int]:
    """Students whose synchronisation is due: pending past GRACE, failed and due again."""
    now = now or timezone.now()
    return list(
        DirectoryAccount.objects.filter(state__in=(Status.PENDING, Status.FAILED), next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("student_id", flat=True)[:BATCH]
    )


def sync_due() -> int:
    """The recurring sweep: what the queue lost (a dead worker) and what failed and is due."""
    if not config.enabled():
        return 0
    ids = due_ids()
    for student_id in ids:
        sync(student_id)
    return len(ids)


# --- The password, at activation -----------------------------------------------------------------


def set_password(user, password: str) -> None:
    """accounts.activation's password hook: the chosen password into the student's entry,
    created first if need be. Raises activation.PasswordNotStored when the directory fails."""
    if not config.enabled():
        return
    student = Student.objects.filter(user=user).exclude(student_number=None).first()
    if student is None:
        return  # not a registered student: no ENT account to give a password to
    account, _ = DirectoryAccount.objects.get_or_create(student=student)
    directory = config.current()
    try:
        with client.session(directory) as connection:
            written = _write(connection, directory, account, person_of(student))
            client.set_password(connection, written.dn, password)
    except client.DirectoryError as error:
        # The message is the server's; the password is in no message.
        logger.warning("directory: password of student %s not set: %s", student.pk, error)
        raise activation.PasswordNotStored(str(error)) from None
    _synced(account, account.generation, written, password_set_at=timezone.now())
    record("directory.account.password_set", actor=user, obj=student, uid=written.uid)


# --- A year again --------------------------------------------------------------------------------


def students_of_year(year_code: str) -> tuple[list[int], list[int]]:
    """(registered, cancelled) students of the year: those to write, and those whose account
    must say they no longer study here (only those with an account row)."""
    registered = set(
        Registration.objects.filter(academic_year__code=year_code, state=State.REGISTERED).values_list(
            "student_id", flat=True
        )
    )
    cancelled = set(
        Registration.objects.filter(academic_year__code=year_code, state=State.CANCELLED)
        .filter(student__directory_account__isnull=False)
        .values_list("student_id", flat=True)
    )
    return sorted(registered), sorted(cancelled - registered)
