"""Registrations counted as they change, for figures whose cost must not grow with their number.

Each change of a registration's state adds one to a `RegistrationCount` row: (year, stage, day,
from state, to state). Creation is a change from "" and deletion a change to "". Every figure the
back office needs is then a sum over a few hundred rows:

- how many registrations of a stage are in each state now: what went in minus what went out;
- how many were started, or submitted, each day;
- how many had been submitted, or registered, by a given day (last year at the same date).

The rows are kept in the transaction of the change: the state change through the one function
that writes a state (`services._move`), creation and deletion through model signals (`connect`).
Each change is an UPDATE … SET count = count + 1 (a row lock, re-read by PostgreSQL after a
concurrent writer commits: no update lost), or an INSERT when the row does not exist yet (a
concurrent INSERT of the same key makes the second one update instead).

Bulk writes (bulk_create, QuerySet.update) bypass this: `rebuild` recomputes a year's rows from
the registrations (their state and their submitted, registered and cancelled stamps), which
`manage.py rebuild_counts` runs after imports. A year is built from its rows the first time its
counts are read (`ensure_built`), so a new installation needs nothing done by hand."""

import datetime
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import Registration, RegistrationCount, RegistrationCountsBuilt, State

# States past the student's submission (cancelled ones left out: they are no longer anywhere).
SUBMITTED_OR_LATER = (State.SUBMITTED, State.AWAITING_PAYMENT, State.PAID, State.EXEMPT, State.REGISTERED)


def _day(moment: datetime.datetime | None) -> datetime.date:
    return timezone.localdate(moment or timezone.now())


def add(academic_year_id: int, stage_id: int, day: datetime.date, source: str, target: str, delta: int = 1):
    """Add `delta` to one row, created if missing; call it inside the change's transaction. One
    statement, which never fails on a concurrent insert of the same row (no savepoint needed)."""
    meta = RegistrationCount._meta
    quote = connection.ops.quote_name
    keys = [meta.get_field(name) for name in ("academic_year", "stage", "day", "source", "target")]
    columns = ", ".join(quote(field.column) for field in keys)
    table, count = quote(meta.db_table), quote(meta.get_field("count").column)
    # Names from the model, values as parameters. Django's upsert sets a value, it cannot add one.
    sql = (
        f"INSERT INTO {table} ({columns}, {count}) VALUES ({', '.join(['%s'] * (len(keys) + 1))}) "  # noqa: S608
        f"ON CONFLICT ({columns}) DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
    )
    values = [academic_year_id, stage_id, keys[2].get_db_prep_save(day, connection), source, target, delta]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def moved(registration: Registration, source: str, target: str) -> None:
    """The registration went from `source` to `target` now (called by the services)."""
    add(registration.academic_year_id, registration.stage_id, _day(None), str(source), str(target))


def _created(sender, instance: Registration, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        add(instance.academic_year_id, instance.stage_id, _day(instance.created_at), "", str(instance.state))


def _deleted(sender, instance: Registration, **kwargs) -> None:
    add(instance.academic_year_id, instance.stage_id, _day(None), str(instance.state), "")


def connect() -> None:
    post_save.connect(_created, sender=Registration, dispatch_uid="registration_counts_created")
    post_delete.connect(_deleted, sender=Registration, dispatch_uid="registration_counts_deleted")


# --- Rebuilding from the rows ---------------------------------------------------------------------


def path(
    state: str,
    fee_total_cents: int | None,
    created: datetime.date,
    submitted: datetime.date | None,
    registered: datetime.date | None,
    cancelled: datetime.date | None,
    updated: datetime.date,
) -> list[tuple[datetime.date, str, str]]:
    """The changes (day, from, to) that took a registration where it is, as the services make
    them, read from its stamps. The day of a step with no stamp of its own is that of the next
    stamp (paid: registered; reopened or cancelled with no stamp: the last update)."""
    steps = [(created, "", State.DRAFT)]
    if state == State.CANCELLED:
        before = State.REGISTERED if registered else (State.AWAITING_PAYMENT if submitted else State.DRAFT)
    elif state == State.DRAFT and submitted:  # given back for a correction after its submission
        before = State.AWAITING_PAYMENT
    else:
        before = state
    if before != State.DRAFT:
        at = submitted or registered or created
        steps.append((at, State.DRAFT, State.SUBMITTED))
        free = fee_total_cents == 0
        if before == State.EXEMPT or (before == State.REGISTERED and free):
            steps.append((at, State.SUBMITTED, State.EXEMPT))
        elif before != State.SUBMITTED:
            steps.append((at, State.SUBMITTED, State.AWAITING_PAYMENT))
            if before == State.PAID or (before == State.REGISTERED and not free):
                steps.append((registered or at, State.AWAITING_PAYMENT, State.PAID))
        if before == State.REGISTERED:
            steps.append((registered or at, State.EXEMPT if free else State.PAID, State.REGISTERED))
    if state == State.CANCELLED:
        steps.append((cancelled or updated, before, State.CANCELLED))
    elif state == State.DRAFT and submitted:
        steps.append((max(updated, submitted), State.AWAITING_PAYMENT, State.DRAFT))
    return [(day, str(source), str(target)) for day, source, target in steps]


def _local(moment: datetime.datetime | None, cache: dict) -> datetime.date | None:
    """The local day of a moment, cached by the UTC hour (whole-hour offsets: France's are)."""
    if moment is None:
        return None
    hour = moment.replace(minute=0, second=0, microsecond=0)
    day = cache.get(hour)
    if day is None:
        day = cache[hour] = timezone.localdate(hour)
    return day


def recount(academic_year_id: int) -> Counter:
    """{(stage id, day, from, to): count} of a year, from its registrations."""
    totals: Counter = Counter()
    cache: dict = {}
    rows = (
        Registration.objects.filter(academic_year_id=academic_year_id)
        .values_list(
            "stage_id",
            "state",
            "fee_total_cents",
            "created_at",
            "submitted_at",
            "registered_at",
            "cancelled_at",
            "updated_at",
        )
        .order_by()
    )
    for stage_id, state, fee, created, submitted, registered, cancelled, updated in rows.iterator(
        chunk_size=5000
    ):
        steps = path(
            state,
            fee,
            _local(created, cache),
            _local(submitted, cache),
            _local(registered, cache),
            _local(cancelled, cache),
            _local(updated, cache),
        )
        for day, source, target in steps:
            totals[(stage_id, day, source, target)] += 1
    return totals


def rebuild(academic_year_ids: Iterable[int]) -> int:
    """Replace the counts of these years by a recount of their registrations; idempotent.
    Returns the number of rows written. Meant for a quiet moment (after an import, a
    migration): a change committed while it runs may be counted twice or not at all."""
    written = 0
    for year_id in academic_year_ids:
        with transaction.atomic():
            totals = recount(year_id)
            RegistrationCount.objects.filter(academic_year_id=year_id).delete()
            RegistrationCount.objects.bulk_create(
                [
                    RegistrationCount(
                        academic_year_id=year_id,
                        stage_id=stage,
                        day=day,
                        source=source,
                        target=target,
                        count=n,
                    )
                    for (stage, day, source, target), n in totals.items()
                    if n
                ],
                batch_size=2000,
            )
            RegistrationCountsBuilt.objects.update_or_create(academic_year_id=year_id)
            written += sum(1 for n in totals.values() if n)
    return written


def ensure_built(academic_year_ids: Iterable[int]) -> None:
    """Build the counts of the years never built yet (one query when they all are)."""
    wanted = {pk for pk in academic_year_ids if pk}
    built = set(
        RegistrationCountsBuilt.objects.filter(academic_year_id__in=wanted).values_list(
            "academic_year_id", flat=True
        )
    )
    if wanted - built:
        rebuild(sorted(wanted - built))


# --- Reading the figures ------------------------------------------------------------------------


def _rows(academic_year_id: int, stage_ids: Iterable[int] | None):
    rows = RegistrationCount.objects.filter(academic_year_id=academic_year_id)
    return rows if stage_ids is None else rows.filter(stage_id__in=list(stage_ids))


class YearCounts:
    """A year's counts for some stages: the state of each stage now, and how many registrations
    were ever created, submitted (less those given back) and registered."""

    def __init__(self, groups: Iterable[dict]):
        self.by_stage: dict[int, Counter] = {}
        self.flows: Counter = Counter()
        self.anything = False  # a row of the year at all, at any date
        for group in groups:
            self.anything = self.anything or bool(group.get("total", True))
            source, target, count = group["source"], group["target"], group["n"] or 0
            self.flows[(source, target)] += count
            if "stage_id" in group:
                states = self.by_stage.setdefault(group["stage_id"], Counter())
                if target:
                    states[target] += count
                if source:
                    states[source] -= count

    @property
    def started(self) -> int:
        return sum(n for (source, _target), n in self.flows.items() if source == "")

    @property
    def submitted(self) -> int:
        """Forms submitted (or registered at the desk), less those given back to the student."""
        given_back = self.flows[(State.AWAITING_PAYMENT.value, State.DRAFT.value)]
        return sum(n for (_s, target), n in self.flows.items() if target == State.SUBMITTED) - given_back

    @property
    def registered(self) -> int:
        return sum(n for (_s, target), n in self.flows.items() if target == State.REGISTERED)


def year_counts(academic_year_id: int, stage_ids: Iterable[int] | None) -> YearCounts:
    """The year's counts per stage: one query over (stages × state changes) rows."""
    groups = (
        _rows(academic_year_id, stage_ids)
        .values("stage_id", "source", "target")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return YearCounts(groups)


def counts_until(academic_year_id: int, stage_ids: Iterable[int] | None, day: datetime.date) -> YearCounts:
    """The year's counts, every stage together, as they stood at the end of `day` (`anything`:
    whether the year has any count at all, at any date)."""
    groups = (
        _rows(academic_year_id, stage_ids)
        .values("source", "target")
        .annotate(n=Sum("count", filter=Q(day__lte=day)), total=Sum("count"))
        .order_by()
    )
    return YearCounts(groups)


def per_day(
    academic_year_id: int, stage_ids: Iterable[int] | None, first: datetime.date, last: datetime.date
) -> tuple[dict[datetime.date, int], dict[datetime.date, int]]:
    """({day: registrations started}, {day: forms submitted}) between the two days."""
    groups = (
        _rows(academic_year_id, stage_ids)
        .filter(day__gte=first, day__lte=last)
        .filter(Q(source="") & ~Q(target="") | Q(target=State.SUBMITTED))
        .values("day", "source")
        .annotate(n=Sum("count"))
        .order_by()
    )
    started: Counter = Counter()
    submitted: Counter = Counter()
    for group in groups:
        (started if group["source"] == "" else submitted)[group["day"]] += group["n"] or 0
    return dict(started), dict(submitted)
