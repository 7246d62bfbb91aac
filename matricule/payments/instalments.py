"""Instalments followed up: the student is emailed some days before each instalment falls due
and again when it is overdue (the day after, then a week after), and staff see the overdue ones.

Instalments after the first are paid by the student from their registration's page (a scheduled
payment that becomes an attempt); an attempt that fails leaves the instalment scheduled again
(`services._end_locked_attempt`), so a refused card ends up here as overdue if nobody pays it.

Each email's key names the instalment (its fee key, the same across attempts), the notice and
the due date: the daily job run twice, or by two workers, sends each notice once."""

import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from matricule.audit.models import Event
from matricule.audit.services import record
from matricule.notifications.services import send_instalment_email, student_address
from matricule.registration.models import State

from .models import Payment

SOON, OVERDUE = "soon", "overdue"
# Overdue notices: the day after the due date, then a week after.
OVERDUE_DAYS = (1, 7)


def reminder_days() -> int:
    return int(getattr(settings, "MATRICULE_INSTALMENT_REMINDER_DAYS", 3))


def scheduled() -> QuerySet:
    """Instalments still to pay, of registrations still going (a cancelled one owes nothing)."""
    return (
        Payment.objects.filter(status=Payment.Status.SCHEDULED, instalment__isnull=False)
        .exclude(registration__state=State.CANCELLED)
        .select_related("registration__student__user")
    )


def overdue(today: datetime.date | None = None) -> QuerySet:
    """Instalments past their due date and not paid, oldest first."""
    today = today or timezone.localdate()
    return scheduled().filter(due_on__lt=today).order_by("due_on", "pk")


def follow_up(today: datetime.date | None = None) -> dict[str, int]:
    """The day's notices (the recurring job): due soon, and overdue. Returns how many of each
    were written (an email already written under its key counts once)."""
    today = today or timezone.localdate()
    sent = {SOON: 0, OVERDUE: 0}
    soon = scheduled().filter(due_on=today + datetime.timedelta(days=reminder_days()))
    for instalment in soon:
        sent[SOON] += _notify(instalment, SOON)
    late_days = [today - datetime.timedelta(days=days) for days in OVERDUE_DAYS]
    for instalment in scheduled().filter(due_on__in=late_days):
        sent[OVERDUE] += _notify(instalment, OVERDUE, today=today)
    return sent


def _notify(instalment: Payment, notice: str, today: datetime.date | None = None) -> int:
    registration = instalment.registration
    to = student_address(registration)
    if not to:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("registration:status", args=[registration.pk])
    email = send_instalment_email(
        to=to,
        key=f"{instalment.fee_key}:{notice}:{instalment.due_on.isoformat()}:{today or ''}",
        notice=notice,
        context={
            "first_name": registration.student.first_names or registration.student.user.first_name,
            "number": instalment.instalment,
            "count": instalment.instalment_count,
            "amount_cents": instalment.amount_cents,
            "due_on": instalment.due_on,
            "url": settings.SITE_URL + path,
        },
    )
    first_notice = notice == OVERDUE and today == instalment.due_on + datetime.timedelta(days=OVERDUE_DAYS[0])
    already = Event.objects.filter(
        action="payments.instalment_overdue", object_type="payments.payment", object_id=str(instalment.pk)
    )
    if first_notice and not already.exists():
        # Once, in the student's file: the registrar sees it, and the overdue list has it.
        record(
            "payments.instalment_overdue",
            obj=instalment,
            registration=registration.pk,
            instalment=instalment.instalment,
            amount_cents=instalment.amount_cents,
            due_on=instalment.due_on.isoformat(),
            email=email.pk,
        )
    return 1
