"""The desk's cash journal: the money a component's desk took by hand on one day (cash, cheque,
card terminal, transfer), its totals by means of payment, the day's close with the cash counted in
the till, and its export for the accounting office.

What the journal lists is the payments recorded by hand (`Payment.manual`) whose money was taken
that day (confirmed, Paris time), refunded since or not: the till saw the money that day. The
close keeps the totals as they stood; a payment recorded after it shows as such, and the desk
closes again."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matricule.audit.services import record
from matricule.institution.models import Component
from matricule.payments.models import MONEY_TAKEN, ManualMethod, Payment

from .models import DeskDayClose


@dataclass
class Line:
    method: str
    label: str
    count: int = 0
    cents: int = 0


@dataclass
class Journal:
    component: Component
    day: datetime.date
    payments: list[Payment]
    lines: list[Line]
    close: DeskDayClose | None
    after_close: list[Payment] = field(default_factory=list)

    @property
    def total(self) -> Line:
        return Line("total", _("Total"), sum(x.count for x in self.lines), sum(x.cents for x in self.lines))

    @property
    def cash_expected_cents(self) -> int:
        return next(x.cents for x in self.lines if x.method == ManualMethod.CASH)

    @property
    def cash_difference_cents(self) -> int | None:
        """What the till held beyond (or, negative, below) the cash recorded, at the close."""
        if self.close is None or self.close.counted_cash_cents is None:
            return None
        expected = self.close.totals.get(ManualMethod.CASH, {}).get("cents", 0)
        return self.close.counted_cash_cents - expected

    @property
    def cash_gap_cents(self) -> int:
        return abs(self.cash_difference_cents or 0)


def _bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The day from midnight to midnight where the desk is (the site's time zone)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def taken_on(component: Component, day: datetime.date):
    start, end = _bounds(day)
    return (
        Payment.objects.filter(
            manual=True,
            status__in=MONEY_TAKEN,
            confirmed_at__gte=start,
            confirmed_at__lt=end,
            registration__stage__programme__component=component,
        )
        .select_related("registration__student", "recorded_by")
        .order_by("confirmed_at", "pk")
    )


def journal(component: Component, day: datetime.date) -> Journal:
    payments = list(taken_on(component, day))
    lines = {method: Line(method, label) for method, label in ManualMethod.choices}
    other = Line("", _("Not said"))
    for payment in payments:
        line = lines.get(payment.manual_method, other)
        line.count += 1
        line.cents += payment.paid_cents or 0
    close = DeskDayClose.objects.filter(component=component, day=day).select_related("closed_by").first()
    after = [p for p in payments if close and p.confirmed_at > close.closed_at]
    shown = [*lines.values(), *([other] if other.count else [])]
    return Journal(component, day, payments, shown, close, after)


def totals_of(journal: Journal) -> dict:
    totals = {line.method or "unknown": {"count": line.count, "cents": line.cents} for line in journal.lines}
    totals["total"] = {"count": journal.total.count, "cents": journal.total.cents}
    return totals


class CannotClose(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def close_day(
    component: Component, day: datetime.date, *, agent, counted_cash_cents: int | None, note: str = ""
) -> DeskDayClose:
    """Close (or close again) the day's journal with its totals as they stand now."""
    if day > timezone.localdate():
        raise CannotClose(_("A day that has not come yet cannot be closed."))
    with transaction.atomic():
        # One close at a time for a desk and day: two agents closing at once keep one row.
        Component.objects.select_for_update().filter(pk=component.pk).first()
        current = journal(component, day)
        totals = totals_of(current)
        close, created = DeskDayClose.objects.update_or_create(
            component=component,
            day=day,
            defaults={
                "totals": totals,
                "payments": len(current.payments),
                "counted_cash_cents": counted_cash_cents,
                "note": note.strip()[:2000],
                "closed_at": timezone.now(),
                "closed_by": agent,
            },
        )
        expected_cash = totals.get(ManualMethod.CASH, {}).get("cents", 0)
        record(
            "backoffice.cash_journal.closed",
            actor=agent,
            obj=close,
            component_id=component.pk,
            day=day.isoformat(),
            again=not created,
            payments=len(current.payments),
            total_cents=totals["total"]["cents"],
            cash_cents=expected_cash,
            counted_cash_cents=counted_cash_cents,
        )
    return close


CSV_HEADER = ("time", "reference", "student_number", "name", "means", "cheque_or_transfer", "amount", "agent")


def csv_text(journal: Journal) -> str:
    """The day's payments and totals as CSV for the accounting office (UTF-8 with a byte-order
    mark, semicolons, amounts with a decimal comma: what a French spreadsheet opens as is)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for p in journal.payments:
        student = p.registration.student
        writer.writerow(
            [
                timezone.localtime(p.confirmed_at).strftime("%Y-%m-%d %H:%M"),
                p.reference,
                student.student_number or "",
                _safe(f"{student.last_name} {student.first_names}".strip()),
                p.get_manual_method_display(),
                _safe(p.manual_reference),
                _amount(p.paid_cents or 0),
                _safe(p.recorded_by.get_username() if p.recorded_by else ""),
            ]
        )
    writer.writerow([])
    for line in [*journal.lines, journal.total]:
        writer.writerow(["", "", "", "", line.label, line.count, _amount(line.cents), ""])
    return out.getvalue()


def _amount(cents: int) -> str:
    return f"{cents / 100:.2f}".replace(".", ",")


def _safe(text: str) -> str:
    # A cell starting with = + - @ would be a formula in a spreadsheet.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
