"""The desk's cash journal (backoffice.cash_journal): the day's money taken by hand at one
component's desk, totals by means of payment, the close with the cash counted, the CSV."""

import datetime

import pytest
from django.utils import timezone

from matricule.audit.models import Event
from matricule.backoffice import cash_journal
from matricule.backoffice.models import DeskDayClose
from matricule.institution.models import Component
from matricule.payments.models import ManualMethod, Payment
from tests.backoffice.conftest import make_registrations


def taken(registration, method, cents, at, *, agent, manual=True, status=Payment.Status.CONFIRMED, ref=""):
    payment = Payment.objects.create(
        registration=registration,
        reference=f"J{Payment.objects.count() + 1:08d}",
        gateway="manual" if manual else "paybox",
        manual=manual,
        amount_cents=cents,
        paid_cents=cents,
        status=status,
        fee_key=f"journal-{registration.pk}-{Payment.objects.count()}",
        manual_method=method,
        manual_reference=ref,
        recorded_by=agent,
    )
    Payment.objects.filter(pk=payment.pk).update(confirmed_at=at)
    return payment


@pytest.fixture
def desk(demo, iut_agent):
    """Monday 14 September 2026 at the IUT de Chartres' desk, and what else happened around it."""
    year = demo.current_year
    chartres = make_registrations("GEII-1", 5, "registered", year)
    orleans = make_registrations("INFO-1", 1, "registered", year)
    day = datetime.date(2026, 9, 14)

    def at(hour, minute=0, days=0):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute))) + (
            datetime.timedelta(days=days)
        )

    taken(chartres[0], ManualMethod.CASH, 17800, at(9, 5), agent=iut_agent)
    taken(chartres[1], ManualMethod.CHEQUE, 17800, at(10, 30), agent=iut_agent, ref="=HYPERLINK(1)")
    taken(chartres[2], ManualMethod.CASH, 3400, at(23, 59), agent=iut_agent)  # still that day in Paris
    # Not in the journal: another day, a card payment online, another component's desk, an attempt.
    taken(chartres[3], ManualMethod.CASH, 17800, at(0, 0, days=1), agent=iut_agent)
    taken(chartres[3], "", 17800, at(11), agent=iut_agent, manual=False)
    taken(orleans[0], ManualMethod.CASH, 17800, at(11), agent=iut_agent)
    taken(chartres[4], ManualMethod.CASH, 17800, at(12), agent=iut_agent, status=Payment.Status.FAILED)
    return Component.objects.get(code="iut-chartres"), day


def test_the_journal_lists_the_days_hand_taken_payments_of_the_desk_with_totals(desk):
    component, day = desk
    journal = cash_journal.journal(component, day)
    assert [p.paid_cents for p in journal.payments] == [17800, 17800, 3400]
    lines = {line.method: (line.count, line.cents) for line in journal.lines}
    assert lines[ManualMethod.CASH] == (2, 21200)
    assert lines[ManualMethod.CHEQUE] == (1, 17800)
    assert lines[ManualMethod.CARD] == (0, 0) and lines[ManualMethod.TRANSFER] == (0, 0)
    assert (journal.total.count, journal.total.cents) == (3, 39000)
    assert journal.close is None


def test_a_refunded_payment_stays_in_the_journal_of_the_day_it_was_taken(desk):
    component, day = desk
    Payment.objects.filter(paid_cents=3400).update(status=Payment.Status.REFUNDED, refunded_cents=3400)
    assert cash_journal.journal(component, day).total.cents == 39000


def test_closing_keeps_the_totals_and_the_cash_counted_and_is_audited(desk, iut_agent):
    component, day = desk
    close = cash_journal.close_day(
        component, day, agent=iut_agent, counted_cash_cents=21000, note="Fond de caisse"
    )
    assert close.totals["cash"] == {"count": 2, "cents": 21200}
    assert close.totals["total"] == {"count": 3, "cents": 39000}
    journal = cash_journal.journal(component, day)
    assert journal.close == close and journal.cash_difference_cents == -200 and journal.cash_gap_cents == 200
    event = Event.objects.get(action="backoffice.cash_journal.closed")
    assert event.actor == iut_agent and event.component_id == component.pk
    assert (event.data["total_cents"], event.data["counted_cash_cents"], event.data["again"]) == (
        39000,
        21000,
        False,
    )


def test_a_payment_after_the_close_shows_and_closing_again_replaces_the_close(desk, iut_agent):
    component, day = desk
    cash_journal.close_day(component, day, agent=iut_agent, counted_cash_cents=None)
    late = Payment.objects.filter(paid_cents=3400).get()
    Payment.objects.filter(pk=late.pk).update(confirmed_at=timezone.now() + datetime.timedelta(minutes=1))
    # Moved to now: not that day any more; put one back on the day, after the close.
    close = DeskDayClose.objects.get()
    DeskDayClose.objects.filter(pk=close.pk).update(
        closed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    )
    journal = cash_journal.journal(component, day)
    assert [p.paid_cents for p in journal.after_close] == [17800]  # the 10:30 cheque
    cash_journal.close_day(component, day, agent=iut_agent, counted_cash_cents=17800)
    assert DeskDayClose.objects.count() == 1
    assert cash_journal.journal(component, day).after_close == []
    assert Event.objects.filter(action="backoffice.cash_journal.closed", data__again=True).count() == 1


def test_a_day_to_come_cannot_be_closed(desk, iut_agent):
    component, _day = desk
    with pytest.raises(cash_journal.CannotClose):
        cash_journal.close_day(
            component,
            timezone.localdate() + datetime.timedelta(days=1),
            agent=iut_agent,
            counted_cash_cents=0,
        )


def test_the_csv_opens_in_a_french_spreadsheet_and_runs_no_formula(desk):
    component, day = desk
    text = cash_journal.csv_text(cash_journal.journal(component, day))
    lines = text.lstrip("\ufeff").split("\r\n")
    assert text.startswith("\ufeff") and lines[0].split(";") == list(cash_journal.CSV_HEADER)
    assert len([line for line in lines[1:] if line.startswith("2026-09-14")]) == 3
    assert "'=HYPERLINK(1)" in text  # the cheque number starting with "=" is not a formula
    assert ";178,00;" in text and ";390,00;" in text
