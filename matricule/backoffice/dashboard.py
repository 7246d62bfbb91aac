"""The figures of the back-office dashboard, for the current academic year and the components
the staff member works for (all of them for an administrator).

Every figure comes from an aggregate query (a handful per page whatever the number of
registrations): counts are grouped in the database, never counted row by row in Python."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.db.models import CharField, Count, Func, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import formats, timezone
from django.utils.translation import pgettext, pgettext_lazy

from matricule.accounts.staff import component_ids
from matricule.admissions.models import Candidate
from matricule.documents.models import Submission
from matricule.institution.models import AcademicYear, Component, RegistrationWindow, Stage
from matricule.payments.models import MONEY_TAKEN, Payment
from matricule.registration.models import Registration, State
from matricule.requests.models import OPEN_STATES, Request
from matricule.requests.models import State as RequestState

from .charts import BarChart, horizontal_bars

# A card payment still pending after this long lost its notification (or the student left the
# bank's page): reconciliation asks the gateway after 5 minutes, so this is well past it.
PENDING_MINUTES = 30
# The chart shows the last weeks of a long campaign unless the whole campaign is asked for.
RECENT_DAYS = 31
ATTENTION_ROWS = 10
# Column headings of the stage × state table: the states' own labels are too long for nine columns.
STATE_HEADINGS = {
    State.DRAFT: pgettext_lazy("registration state, short", "Draft"),
    State.SUBMITTED: pgettext_lazy("registration state, short", "Submitted"),
    State.AWAITING_PAYMENT: pgettext_lazy("registration state, short", "To pay"),
    State.PAID: pgettext_lazy("registration state, short", "Paid"),
    State.EXEMPT: pgettext_lazy("registration state, short", "Exempt"),
    State.REGISTERED: pgettext_lazy("registration state, short", "Registered"),
    State.CANCELLED: pgettext_lazy("registration state, short", "Cancelled"),
}


def pending_minutes() -> int:
    return int(getattr(settings, "MATRICULE_DASHBOARD_PENDING_MINUTES", PENDING_MINUTES))


def _scoped(queryset, ids: set[int] | None, path: str):
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


# --- Which components ---------------------------------------------------------------------


@dataclass
class ComponentChoice:
    options: list[Component]  # what the selector offers (empty: nothing to choose)
    selected: Component | None  # None: all the options together
    ids: set[int] | None  # the components the figures cover; None: every component
    everything: bool  # an administrator's university-wide view
    administrator: bool  # may choose any component


def choose_components(user, requested: str | None) -> ComponentChoice:
    """The user's components (all for an administrator), narrowed to one if asked and allowed."""
    allowed = component_ids(user)
    options = list(Component.objects.all() if allowed is None else Component.objects.filter(pk__in=allowed))
    selected = next((c for c in options if requested and str(c.pk) == requested), None)
    if selected is not None:
        ids = {selected.pk}
    elif allowed is None:
        ids = None
    else:
        ids = {c.pk for c in options}
    return ComponentChoice(
        options=options if len(options) > 1 else [],
        selected=selected,
        ids=ids,
        everything=allowed is None and selected is None,
        administrator=allowed is None,
    )


# --- Registrations by stage and state --------------------------------------------------------


@dataclass
class StageRow:
    code: str
    name: str
    counts: list[int]
    total: int
    admitted: int = 0  # Parcoursup candidates admitted in the stage this year
    registered: int = 0

    @property
    def registered_share(self) -> int | None:
        """Registered per hundred admitted (None when nobody was admitted through Parcoursup)."""
        return round(100 * self.registered / self.admitted) if self.admitted else None


@dataclass
class StageStateTable:
    states: list[tuple[str, str]]  # (value, label), the columns
    rows: list[StageRow]
    totals: list[int]
    total: int
    admitted: int = 0
    registered: int = 0

    @property
    def registered_share(self) -> int | None:
        return round(100 * self.registered / self.admitted) if self.admitted else None


def stages_in_scope(ids: set[int] | None) -> dict[int, dict]:
    """The programme stages of the components, by id (a few hundred rows at most): filtering
    registrations on their stage ids spares the join through programmes on every count."""
    stages = _scoped(Stage.objects.all(), ids, "programme__component_id")
    return {stage["id"]: stage for stage in stages.values("id", "code", "name", "programme__name", "level")}


def _registrations(year: AcademicYear, ids: set[int] | None, stages: dict[int, dict]):
    registrations = Registration.objects.filter(academic_year=year)
    return registrations if ids is None else registrations.filter(stage_id__in=list(stages))


def registrations_by_stage(
    year: AcademicYear, ids: set[int] | None, stages: dict[int, dict] | None = None
) -> StageStateTable:
    stages = stages_in_scope(ids) if stages is None else stages
    states = [(state.value, STATE_HEADINGS.get(state, state.label)) for state in State]
    column = {value: index for index, (value, _label) in enumerate(states)}
    groups = (
        _registrations(year, ids, stages).values("stage_id", "state").annotate(count=Count("id")).order_by()
    )
    rows: dict[int, StageRow] = {}

    def row_of(stage_id) -> StageRow:
        if stage_id not in rows:
            stage = stages.get(stage_id) or {"code": "?", "name": "?"}
            rows[stage_id] = StageRow(
                code=stage["code"], name=stage["name"], counts=[0] * len(states), total=0
            )
        return rows[stage_id]

    for group in groups:
        row = row_of(group["stage_id"])
        row.counts[column[group["state"]]] += group["count"]
        row.total += group["count"]
        if group["state"] == State.REGISTERED:
            row.registered += group["count"]
    # A stage where admitted candidates have not started yet still shows, with its admitted count.
    for stage_id, count in admitted_by_stage(year, ids, stages).items():
        row_of(stage_id).admitted = count

    def order(pk):
        stage = stages.get(pk, {})
        return (stage.get("programme__name", ""), stage.get("level", 0), stage.get("code", ""))

    ordered = [rows[pk] for pk in sorted(rows, key=order)]
    totals = [sum(row.counts[index] for row in ordered) for index in range(len(states))]
    return StageStateTable(
        states=states,
        rows=ordered,
        totals=totals,
        total=sum(totals),
        admitted=sum(row.admitted for row in ordered),
        registered=sum(row.registered for row in ordered),
    )


def admitted_by_stage(year: AcademicYear, ids: set[int] | None, stages: dict[int, dict]) -> dict[int, int]:
    """{stage id: candidates admitted through Parcoursup this year}, for the stages in scope."""
    candidates = Candidate.objects.filter(academic_year=year, stage_id__isnull=False)
    if ids is not None:
        candidates = candidates.filter(stage_id__in=list(stages))
    groups = candidates.values("stage_id").annotate(count=Count("id")).order_by()
    return {group["stage_id"]: group["count"] for group in groups}


# --- Registrations per day -----------------------------------------------------------------


@dataclass
class Day:
    day: datetime.date
    started: int
    submitted: int


@dataclass
class DailyRegistrations:
    days: list[Day]
    campaign_start: datetime.date | None
    whole_campaign: bool  # False: only the last RECENT_DAYS days are shown
    long_campaign: bool  # longer than RECENT_DAYS: the page offers both views
    chart: BarChart
    started_total: int = 0
    submitted_total: int = 0


def campaign_days(year: AcademicYear, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the first window's opening to today (or the last window's closing, if earlier)."""
    bounds = RegistrationWindow.objects.filter(academic_year=year).aggregate(
        first=Min("opens_at"), last=Max("closes_at")
    )
    first = timezone.localdate(bounds["first"]) if bounds["first"] else today
    last = min(today, timezone.localdate(bounds["last"])) if bounds["last"] else today
    return min(first, last), last


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class UtcHour(Func):
    """The UTC hour of a datetime as text, 'YYYY-MM-DD HH' (SQLite stores datetimes as UTC text)."""

    output_field = CharField()
    template = "SUBSTR(%(expressions)s, 1, 13)"


def _count_per_day(registrations, moment: str, first: datetime.date, last: datetime.date) -> dict:
    """{local day: count} of the registrations whose `moment` falls between the two days."""
    start, end = _local_midnight(first), _local_midnight(last + datetime.timedelta(days=1))
    within = registrations.filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
    if connections[registrations.db].vendor != "sqlite":
        groups = within.annotate(day=TruncDate(moment)).values("day").annotate(count=Count("id")).order_by()
        return {group["day"]: group["count"] for group in groups}
    # SQLite computes a date truncation in Python, row by row (slow on 20 000 rows): group on the
    # UTC hour instead (a plain substring) and give each hour its local day here, which is exact
    # for every time zone whose offset is a whole number of hours (France's are).
    counts: dict[datetime.date, int] = {}
    for group in within.annotate(hour=UtcHour(moment)).values("hour").annotate(count=Count("id")).order_by():
        text = group["hour"]  # "YYYY-MM-DD HH", read by hand: strptime is slow
        moment_utc = datetime.datetime(
            int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), tzinfo=datetime.UTC
        )
        day = timezone.localdate(moment_utc)
        counts[day] = counts.get(day, 0) + group["count"]
    return counts


def registrations_per_day(
    year: AcademicYear,
    ids: set[int] | None,
    *,
    whole_campaign: bool = False,
    today: datetime.date | None = None,
    stages: dict[int, dict] | None = None,
) -> DailyRegistrations:
    today = today or timezone.localdate()
    campaign_start, last = campaign_days(year, today)
    first = campaign_start
    if not whole_campaign and (last - first).days >= RECENT_DAYS:
        first = last - datetime.timedelta(days=RECENT_DAYS - 1)
    stages = stages_in_scope(ids) if stages is None else stages
    registrations = _registrations(year, ids, stages)
    started = _count_per_day(registrations, "created_at", first, last)
    submitted = _count_per_day(registrations, "submitted_at", first, last)
    days = [
        Day(day=day, started=started.get(day, 0), submitted=submitted.get(day, 0))
        for day in (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    ]
    chart = horizontal_bars(
        [formats.date_format(d.day, "d/m") for d in days],
        [
            (pgettext("registrations per day", "Started"), [d.started for d in days]),
            (pgettext("registrations per day", "Submitted"), [d.submitted for d in days]),
        ],
    )
    return DailyRegistrations(
        days=days,
        campaign_start=campaign_start,
        whole_campaign=first == campaign_start,
        long_campaign=(last - campaign_start).days >= RECENT_DAYS,
        chart=chart,
        started_total=sum(started.values()),
        submitted_total=sum(submitted.values()),
    )


# --- What is waiting --------------------------------------------------------------------------


@dataclass
class WaitingDocuments:
    count: int
    oldest_at: datetime.datetime | None


def _through_stage(queryset, ids: set[int] | None, stages: dict[int, dict] | None, path: str):
    """Scope rows reached through a registration: on its stage id when the stages are known
    (one join less than going through the programme), else on the component."""
    if ids is None:
        return queryset
    if stages is not None:
        return queryset.filter(**{f"{path}__stage_id__in": list(stages)})
    return queryset.filter(**{f"{path}__stage__programme__component_id__in": ids})


def waiting_documents(ids: set[int] | None, stages: dict[int, dict] | None = None) -> WaitingDocuments:
    """Documents waiting for review, every year (the same count as the review queue)."""
    figures = _through_stage(
        Submission.objects.filter(status=Submission.Status.SUBMITTED), ids, stages, "registration"
    ).aggregate(count=Count("id"), oldest=Min("submitted_at"))
    return WaitingDocuments(count=figures["count"], oldest_at=figures["oldest"])


@dataclass
class PaymentAttention:
    pending_minutes: int
    stuck: int  # pending for longer than pending_minutes
    oldest_stuck_at: datetime.datetime | None
    underpaid: int
    overpaid: int
    duplicate: int
    other: int  # wrong currency, or a reason this page does not know yet
    rows: list[Payment] = field(default_factory=list)  # the oldest few, to open

    @property
    def mismatched(self) -> int:
        return self.underpaid + self.overpaid + self.duplicate + self.other

    @property
    def total(self) -> int:
        return self.stuck + self.mismatched


def payment_attention(
    ids: set[int] | None, now: datetime.datetime | None = None, stages: dict[int, dict] | None = None
) -> PaymentAttention:
    """Payments a person must look at: attempts pending too long (notification lost) and
    payments held because what was paid does not match what was due."""
    minutes = pending_minutes()
    limit = (now or timezone.now()) - datetime.timedelta(minutes=minutes)
    stuck = Q(status=Payment.Status.PENDING, created_at__lt=limit)
    held = Q(status=Payment.Status.TO_REVIEW)
    payments = _through_stage(Payment.objects.all(), ids, stages, "registration")
    figures = payments.filter(stuck | held).aggregate(
        stuck=Count("id", filter=stuck),
        oldest_stuck=Min("created_at", filter=stuck),
        underpaid=Count("id", filter=held & Q(anomaly=Payment.Anomaly.UNDERPAID)),
        overpaid=Count("id", filter=held & Q(anomaly=Payment.Anomaly.OVERPAID)),
        duplicate=Count("id", filter=held & Q(anomaly=Payment.Anomaly.DUPLICATE)),
        other=Count(
            "id",
            filter=held
            & ~Q(
                anomaly__in=[Payment.Anomaly.UNDERPAID, Payment.Anomaly.OVERPAID, Payment.Anomaly.DUPLICATE]
            ),
        ),
    )
    result = PaymentAttention(
        pending_minutes=minutes,
        stuck=figures["stuck"],
        oldest_stuck_at=figures["oldest_stuck"],
        underpaid=figures["underpaid"],
        overpaid=figures["overpaid"],
        duplicate=figures["duplicate"],
        other=figures["other"],
    )
    if result.total:
        result.rows = list(
            payments.filter(stuck | held)
            .select_related("registration__student")
            .order_by("created_at")[:ATTENTION_ROWS]
        )
    return result


@dataclass
class WaitingRequests:
    submitted: int = 0
    in_review: int = 0
    oldest_at: datetime.datetime | None = None

    @property
    def count(self) -> int:
        return self.submitted + self.in_review


def waiting_requests(ids: set[int] | None, stages: dict[int, dict] | None = None) -> WaitingRequests:
    requests = _through_stage(Request.objects.filter(state__in=OPEN_STATES), ids, stages, "registration")
    figures = requests.aggregate(
        submitted=Count("id", filter=Q(state=RequestState.SUBMITTED)),
        in_review=Count("id", filter=Q(state=RequestState.IN_REVIEW)),
        oldest=Min("created_at"),
    )
    return WaitingRequests(
        submitted=figures["submitted"], in_review=figures["in_review"], oldest_at=figures["oldest"]
    )


# --- Money, and against last year at the same date ------------------------------------------


@dataclass
class Money:
    collected_cents: int  # taken by card, at the desk or by hand, refunds not deducted
    refunded_cents: int
    awaiting: int  # registrations waiting for their payment
    awaiting_cents: int  # what they owe
    exempt: int  # registrations that owe nothing (grant holders, exchange students, waivers)

    @property
    def net_cents(self) -> int:
        return self.collected_cents - self.refunded_cents


@dataclass
class YearFigures:
    code: str
    submitted: int  # forms finished by the student (or the desk)
    registered: int


@dataclass
class YearComparison:
    this_year: YearFigures
    last_year: YearFigures | None  # None: no registration of the previous year in the database
    same_day: datetime.date  # last year's date matching today

    def _change(self, attribute: str) -> int | None:
        if self.last_year is None:
            return None
        return getattr(self.this_year, attribute) - getattr(self.last_year, attribute)

    @property
    def submitted_change(self) -> int | None:
        return self._change("submitted")

    @property
    def registered_change(self) -> int | None:
        return self._change("registered")


def same_day_last_year(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def previous_code(code: str) -> str | None:
    """2024-2025 → 2023-2024."""
    start = code[:4]
    return f"{int(start) - 1}-{start}" if start.isdigit() else None


def money_and_comparison(
    year: AcademicYear, ids: set[int] | None, stages: dict[int, dict], today: datetime.date | None = None
) -> tuple[Money, YearComparison]:
    """This year's money, and how far its campaign is against last year's at the same calendar
    date: three aggregate queries (payments, this year's and last year's registrations)."""
    today = today or timezone.localdate()
    same_day = same_day_last_year(today)
    taken = Q(status__in=MONEY_TAKEN)
    paid = _through_stage(
        Payment.objects.filter(registration__academic_year=year), ids, stages, "registration"
    ).aggregate(collected=Sum("paid_cents", filter=taken), refunded=Sum("refunded_cents", filter=taken))
    awaiting = Q(state=State.AWAITING_PAYMENT)
    until = _local_midnight(today + datetime.timedelta(days=1))
    now = _registrations(year, ids, stages).aggregate(
        awaiting=Count("id", filter=awaiting),
        awaiting_cents=Sum("fee_total_cents", filter=awaiting),
        exempt=Count("id", filter=Q(state=State.EXEMPT) | Q(state=State.REGISTERED, fee_total_cents=0)),
        submitted=Count("id", filter=Q(submitted_at__lt=until)),
        registered=Count("id", filter=Q(registered_at__lt=until)),
    )
    money = Money(
        collected_cents=paid["collected"] or 0,
        refunded_cents=paid["refunded"] or 0,
        awaiting=now["awaiting"],
        awaiting_cents=now["awaiting_cents"] or 0,
        exempt=now["exempt"],
    )
    last_year = None
    last_code = previous_code(year.code)
    if last_code:
        last_until = _local_midnight(same_day + datetime.timedelta(days=1))
        registrations = Registration.objects.filter(academic_year__code=last_code)
        if ids is not None:
            registrations = registrations.filter(stage_id__in=list(stages))
        then = registrations.aggregate(
            total=Count("id"),
            submitted=Count("id", filter=Q(submitted_at__lt=last_until)),
            registered=Count("id", filter=Q(registered_at__lt=last_until)),
        )
        if then["total"]:
            last_year = YearFigures(
                code=last_code, submitted=then["submitted"], registered=then["registered"]
            )
    comparison = YearComparison(
        this_year=YearFigures(code=year.code, submitted=now["submitted"], registered=now["registered"]),
        last_year=last_year,
        same_day=same_day,
    )
    return money, comparison


# --- The whole page ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    year: AcademicYear | None
    components: ComponentChoice
    by_stage: StageStateTable | None
    per_day: DailyRegistrations | None
    documents: WaitingDocuments
    payments: PaymentAttention
    requests: WaitingRequests
    money: Money | None = None
    comparison: YearComparison | None = None


def build_dashboard(user, *, component: str | None = None, whole_campaign: bool = False) -> Dashboard:
    choice = choose_components(user, component)
    year = AcademicYear.objects.current()
    stages = stages_in_scope(choice.ids)
    money, comparison = money_and_comparison(year, choice.ids, stages) if year else (None, None)
    return Dashboard(
        year=year,
        components=choice,
        by_stage=registrations_by_stage(year, choice.ids, stages) if year else None,
        per_day=registrations_per_day(year, choice.ids, whole_campaign=whole_campaign, stages=stages)
        if year
        else None,
        documents=waiting_documents(choice.ids, stages),
        payments=payment_attention(choice.ids, stages=stages),
        requests=waiting_requests(choice.ids, stages),
        money=money,
        comparison=comparison,
    )
