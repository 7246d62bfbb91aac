"""The figures of the back-office dashboard, for the current academic year and the components
the staff member works for (all of them for an administrator).

The registrations' figures (by stage and state, the funnel, per day, last year at the same
date) are sums of the counts kept as registrations change (`registration.counts`): their cost
grows with the stages and the campaign's days, not with the registrations. The rest comes from
aggregate queries on indexed columns (admitted candidates, documents waiting, payments): a
handful per page whatever the number of registrations. Every figure links to the list behind it
(`list_url`)."""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy

from matricule.accounts.staff import component_ids
from matricule.admissions.models import Candidate
from matricule.compat import task
from matricule.documents.models import Submission
from matricule.institution.models import AcademicYear, Component, RegistrationWindow, Stage
from matricule.payments.models import MONEY_TAKEN, Payment
from matricule.registration import counts
from matricule.registration.models import Registration, State
from matricule.requests.models import OPEN_STATES, Request
from matricule.requests.models import State as RequestState

from . import charts
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


# The list of registrations (`/gestion/inscriptions/`) and its filters: what each figure opens.
LIST_PATH = "/gestion/inscriptions/"
DOCUMENT_QUEUE_PATH = "/gestion/pieces/"
# The list's `progress` filter of each state (paid and exempt are passed through at once: none).
PROGRESS_OF_STATE = {
    State.DRAFT: "draft",
    State.SUBMITTED: "submitted",
    State.AWAITING_PAYMENT: "awaiting_payment",
    State.REGISTERED: "registered",
    State.CANCELLED: "cancelled",
}
# Documents waiting for review, by how long they have waited: (upper bound in days, label).
AGE_BUCKETS = (
    (1, pgettext_lazy("documents waiting", "Less than 1 day")),
    (3, pgettext_lazy("documents waiting", "1 to 3 days")),
    (7, pgettext_lazy("documents waiting", "3 to 7 days")),
    (None, pgettext_lazy("documents waiting", "More than 7 days")),
)


def list_url(year: AcademicYear | None, component: int | None = None, **filters) -> str:
    """The registrations list filtered as the figure counts: year code, component, stage, progress."""
    params = {"year": year.code if year else None, "component": component, **filters}
    return f"{LIST_PATH}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


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
class Cell:
    """A figure and the list behind it ("" when no list shows exactly those rows)."""

    count: int
    url: str = ""


class FunnelFigures:
    """What a stage's row and the table's totals say alike, from their admitted, started,
    submitted, registered and documents_complete figures."""

    @property
    def not_started(self) -> int:
        return max(0, self.admitted - self.started)

    @property
    def funnel(self) -> list[int]:
        return [self.admitted, self.started, self.submitted, self.registered, self.documents_complete]

    @property
    def registered_share(self) -> int | None:
        """Registered per hundred admitted (None when nobody was admitted through Parcoursup)."""
        return round(100 * self.registered / self.admitted) if self.admitted else None


@dataclass
class StageRow(FunnelFigures):
    code: str
    name: str
    counts: list[int]
    total: int
    admitted: int = 0  # Parcoursup candidates admitted in the stage this year
    registered: int = 0
    stage_id: int | None = None
    started: int = 0  # registrations not cancelled
    submitted: int = 0  # past the student's submission, not cancelled
    documents_complete: int = 0  # registered, every required document validated
    cells: list[Cell] = field(default_factory=list)  # `counts` with their links
    url: str = ""  # the stage's registrations
    not_started_url: str = ""
    registered_url: str = ""


@dataclass
class StageStateTable(FunnelFigures):
    states: list[tuple[str, str]]  # (value, label), the columns
    rows: list[StageRow]
    totals: list[int]
    total: int
    admitted: int = 0
    registered: int = 0
    started: int = 0
    submitted: int = 0
    documents_complete: int = 0
    total_cells: list[Cell] = field(default_factory=list)
    url: str = ""  # every registration in scope
    not_started_url: str = ""
    registered_url: str = ""
    funnel_chart: BarChart | None = None
    funnel_svg: str = ""


def stages_in_scope(ids: set[int] | None) -> dict[int, dict]:
    """The programme stages of the components, by id (a few hundred rows at most): filtering
    registrations on their stage ids spares the join through programmes on every count."""
    stages = _scoped(Stage.objects.all(), ids, "programme__component_id")
    return {stage["id"]: stage for stage in stages.values("id", "code", "name", "programme__name", "level")}


def _registrations(year: AcademicYear, ids: set[int] | None, stages: dict[int, dict]):
    registrations = Registration.objects.filter(academic_year=year)
    return registrations if ids is None else registrations.filter(stage_id__in=list(stages))


FUNNEL_LABELS = (
    pgettext_lazy("funnel", "Admitted"),
    pgettext_lazy("funnel", "Started"),
    pgettext_lazy("funnel", "Submitted"),
    pgettext_lazy("funnel", "Registered"),
    pgettext_lazy("funnel", "Documents complete"),
)


def registrations_by_stage(
    year: AcademicYear,
    ids: set[int] | None,
    stages: dict[int, dict] | None = None,
    this_year: counts.YearCounts | None = None,
    component: int | None = None,
    snapshot: "Snapshot | None" = None,
) -> StageStateTable:
    """Registrations per stage and state, and the funnel per stage: admitted → started →
    submitted → registered → documents complete. `component`: the one chosen, kept in the links."""
    stages = stages_in_scope(ids) if stages is None else stages
    if this_year is None:
        this_year = counts.year_counts(year.pk, None if ids is None else list(stages))
    states = [(state.value, STATE_HEADINGS.get(state, state.label)) for state in State]
    rows: dict[int, StageRow] = {}

    def row_of(stage_id) -> StageRow:
        if stage_id not in rows:
            stage = stages.get(stage_id) or {"code": "?", "name": "?"}
            rows[stage_id] = StageRow(
                code=stage["code"],
                name=stage["name"],
                counts=[0] * len(states),
                total=0,
                stage_id=stage_id,
                url=list_url(year, component, stage=stage_id),
                not_started_url=list_url(year, component, stage=stage_id, progress="not_started"),
                registered_url=list_url(year, component, stage=stage_id, progress="registered"),
            )
        return rows[stage_id]

    for stage_id, by_state in this_year.by_stage.items():
        if ids is not None and stage_id not in stages:
            continue
        if not any(by_state.values()):
            continue  # every registration of the stage deleted: nothing to show
        row = row_of(stage_id)
        row.counts = [by_state.get(value, 0) for value, _label in states]
        row.total = sum(row.counts)
        row.registered = by_state.get(State.REGISTERED, 0)
        row.started = row.total - by_state.get(State.CANCELLED, 0)
        row.submitted = sum(by_state.get(state, 0) for state in counts.SUBMITTED_OR_LATER)
    # A stage where admitted candidates have not started yet still shows, with its admitted count.
    snapshot = snapshot if snapshot is not None else compute_snapshot(year)
    for stage_id, figures in snapshot.stages.items():
        if ids is not None and stage_id not in stages:
            continue
        if figures.admitted:
            row_of(stage_id).admitted = figures.admitted
        if stage_id in rows:
            rows[stage_id].documents_complete = figures.documents_complete
    for row in rows.values():
        row.cells = [
            Cell(count, list_url(year, component, stage=row.stage_id, progress=PROGRESS_OF_STATE[value]))
            if value in PROGRESS_OF_STATE
            else Cell(count)
            for (value, _label), count in zip(states, row.counts, strict=True)
        ]

    def order(pk):
        stage = stages.get(pk, {})
        return (stage.get("programme__name", ""), stage.get("level", 0), stage.get("code", ""))

    ordered = [rows[pk] for pk in sorted(rows, key=order)]
    totals = [sum(row.counts[index] for row in ordered) for index in range(len(states))]
    table = StageStateTable(
        states=states,
        rows=ordered,
        totals=totals,
        total=sum(totals),
        admitted=sum(row.admitted for row in ordered),
        registered=sum(row.registered for row in ordered),
        started=sum(row.started for row in ordered),
        submitted=sum(row.submitted for row in ordered),
        documents_complete=sum(row.documents_complete for row in ordered),
        total_cells=[
            Cell(count, list_url(year, component, progress=PROGRESS_OF_STATE[value]))
            if value in PROGRESS_OF_STATE
            else Cell(count)
            for (value, _label), count in zip(states, totals, strict=True)
        ],
        url=list_url(year, component),
        not_started_url=list_url(year, component, progress="not_started"),
        registered_url=list_url(year, component, progress="registered"),
    )
    labels = [str(label) for label in FUNNEL_LABELS]
    table.funnel_chart = horizontal_bars(
        labels,
        [(pgettext("funnel", "Registrations"), table.funnel)],
        label_width=charts.label_width_for(labels),
    )
    table.funnel_svg = charts.svg(
        table.funnel_chart,
        chart_id="funnel-chart",
        title=gettext("From admission to complete documents"),
        description=gettext(
            "Bar chart: admitted %(admitted)s, started %(started)s, submitted %(submitted)s, "
            "registered %(registered)s, documents complete %(complete)s. The table below gives "
            "the same figures per programme stage."
        )
        % {
            "admitted": table.admitted,
            "started": table.started,
            "submitted": table.submitted,
            "registered": table.registered,
            "complete": table.documents_complete,
        },
        legend=False,
    )
    return table


def documents_complete_by_stage(
    year: AcademicYear, ids: set[int] | None, stages: dict[int, dict]
) -> dict[int, int]:
    """{stage id: registered registrations whose every required document is validated}."""
    not_validated = Submission.objects.filter(registration_id=OuterRef("pk")).exclude(
        status=Submission.Status.VALIDATED
    )
    registered = Registration.objects.filter(academic_year=year, state=State.REGISTERED)
    if ids is not None:
        registered = registered.filter(stage_id__in=list(stages))
    groups = (
        registered.filter(~Exists(not_validated)).values("stage_id").annotate(count=Count("id")).order_by()
    )
    return {group["stage_id"]: group["count"] for group in groups}


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
    started, submitted = counts.per_day(year.pk, None if ids is None else list(stages), first, last)
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


def _through_stage(queryset, ids: set[int] | None, stages: dict[int, dict] | None, path: str):
    """Scope rows reached through a registration: on its stage id when the stages are known
    (one join less than going through the programme), else on the component."""
    if ids is None:
        return queryset
    if stages is not None:
        return queryset.filter(**{f"{path}__stage_id__in": list(stages)})
    return queryset.filter(**{f"{path}__stage__programme__component_id__in": ids})


@dataclass
class AgeGroup:
    label: str
    count: int


@dataclass
class WaitingDocuments:
    count: int
    oldest_at: datetime.datetime | None
    ages: list[AgeGroup] = field(default_factory=list)  # by how long they have waited
    chart: BarChart | None = None
    svg: str = ""
    url: str = DOCUMENT_QUEUE_PATH


def waiting_documents(
    ids: set[int] | None, stages: dict[int, dict] | None = None, snapshot: "Snapshot | None" = None
) -> WaitingDocuments:
    """Documents waiting for review, every year (the same count as the review queue), grouped
    by how long they had waited when the snapshot was taken."""
    snapshot = snapshot if snapshot is not None else compute_snapshot(None)
    count, oldest, ages = 0, None, [0] * len(AGE_BUCKETS)
    for stage_id, figures in snapshot.waiting.items():
        if ids is not None and stages is not None and stage_id not in stages:
            continue
        count += figures.count
        if figures.oldest_at is not None and (oldest is None or figures.oldest_at < oldest):
            oldest = figures.oldest_at
        ages = [total + n for total, n in zip(ages, figures.ages, strict=True)]
    groups = [AgeGroup(str(label), n) for (_days, label), n in zip(AGE_BUCKETS, ages, strict=True)]
    labels = [group.label for group in groups]
    chart = horizontal_bars(
        labels,
        [(pgettext("documents waiting", "Documents"), ages)],
        label_width=charts.label_width_for(labels),
    )
    svg = charts.svg(
        chart,
        chart_id="documents-age-chart",
        title=gettext("Documents waiting for review, by how long they have waited"),
        description=", ".join(f"{group.label}: {group.count}" for group in groups),
        legend=False,
    )
    return WaitingDocuments(count=count, oldest_at=oldest, ages=groups, chart=chart, svg=svg)


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
    this_year_url: str = ""
    last_year_url: str = ""

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


_UNKNOWN = object()  # last year not looked up yet


def money_and_comparison(
    year: AcademicYear,
    ids: set[int] | None,
    stages: dict[int, dict],
    today: datetime.date | None = None,
    this_year: counts.YearCounts | None = None,
    snapshot: "Snapshot | None" = None,
    last=_UNKNOWN,
) -> tuple[Money, YearComparison]:
    """This year's money, and how far its campaign is against last year's at the same calendar
    date: the payments' sums and what is owed from the snapshot, the rest from the counts of
    both years."""
    today = today or timezone.localdate()
    same_day = same_day_last_year(today)
    scope = None if ids is None else list(stages)
    if this_year is None:
        this_year = counts.year_counts(year.pk, scope)
    snapshot = snapshot if snapshot is not None else compute_snapshot(year)
    collected = refunded = awaiting = awaiting_cents = 0
    for stage_id, figures in snapshot.stages.items():
        if ids is None or stage_id in stages:
            collected += figures.collected_cents
            refunded += figures.refunded_cents
            awaiting += figures.awaiting
            awaiting_cents += figures.awaiting_cents
    # Exempted: went through the exempt state (nothing due, or waived), less those cancelled
    # before their registration.
    exempted = this_year.flows[("", State.EXEMPT.value)] + sum(
        n for (source, target), n in this_year.flows.items() if target == State.EXEMPT and source
    )
    exempted -= this_year.flows[(State.EXEMPT.value, State.CANCELLED.value)]
    money = Money(
        collected_cents=collected,
        refunded_cents=refunded,
        awaiting=awaiting,
        awaiting_cents=awaiting_cents,
        exempt=max(0, exempted),
    )
    last_year = None
    last_code = previous_code(year.code)
    if last is _UNKNOWN:
        last = AcademicYear.objects.filter(code=last_code).first() if last_code else None
    if last is not None:
        then = counts.counts_until(last.pk, scope, same_day)
        if then.anything:
            last_year = YearFigures(code=last_code, submitted=then.submitted, registered=then.registered)
    comparison = YearComparison(
        this_year=YearFigures(code=year.code, submitted=this_year.submitted, registered=this_year.registered),
        last_year=last_year,
        same_day=same_day,
        this_year_url=list_url(year),
        last_year_url=list_url(last) if last is not None else "",
    )
    return money, comparison


# --- The snapshot: figures from other apps' rows, refreshed by the task queue ------------------


@dataclass
class StageFigures:
    admitted: int = 0
    documents_complete: int = 0
    collected_cents: int = 0
    refunded_cents: int = 0
    awaiting: int = 0
    awaiting_cents: int = 0


@dataclass
class WaitingFigures:
    count: int = 0
    oldest_at: datetime.datetime | None = None
    ages: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))


@dataclass
class Snapshot:
    """Per stage, university-wide: what the registration counts do not hold (admitted
    candidates, documents, money), computed in a few grouped queries by the task queue at most
    every SNAPSHOT_SECONDS and kept in the cache; a page sums the stages of its scope."""

    taken_at: datetime.datetime
    stages: dict[int, StageFigures]
    waiting: dict[int, WaitingFigures]  # documents waiting for review, every year

    @property
    def stale(self) -> bool:
        return timezone.now() - self.taken_at > datetime.timedelta(seconds=snapshot_seconds())


SNAPSHOT_SECONDS = 60


def snapshot_seconds() -> int:
    return int(getattr(settings, "MATRICULE_DASHBOARD_SNAPSHOT_SECONDS", SNAPSHOT_SECONDS))


def _snapshot_key(year_id: int | None) -> str:
    return f"backoffice:dashboard:snapshot:{year_id or 0}"


def compute_snapshot(year: AcademicYear | None, now: datetime.datetime | None = None) -> Snapshot:
    """The snapshot's figures from the rows (five grouped queries, every stage)."""
    now = now or timezone.now()
    stages: dict[int, StageFigures] = {}

    def of(stage_id) -> StageFigures:
        return stages.setdefault(stage_id, StageFigures())

    if year is not None:
        for stage_id, count in admitted_by_stage(year, None, {}).items():
            of(stage_id).admitted = count
        for stage_id, count in documents_complete_by_stage(year, None, {}).items():
            of(stage_id).documents_complete = count
        taken = Q(status__in=MONEY_TAKEN)
        for group in (
            Payment.objects.filter(registration__academic_year=year)
            .values("registration__stage_id")
            .annotate(collected=Sum("paid_cents", filter=taken), refunded=Sum("refunded_cents", filter=taken))
            .order_by()
        ):
            figures = of(group["registration__stage_id"])
            figures.collected_cents = group["collected"] or 0
            figures.refunded_cents = group["refunded"] or 0
        for group in (
            Registration.objects.filter(academic_year=year, state=State.AWAITING_PAYMENT)
            .values("stage_id")
            .annotate(count=Count("id"), cents=Sum("fee_total_cents"))
            .order_by()
        ):
            figures = of(group["stage_id"])
            figures.awaiting, figures.awaiting_cents = group["count"], group["cents"] or 0
    bounds = [now - datetime.timedelta(days=days) for days, _label in AGE_BUCKETS if days is not None]
    buckets, newer = {}, None
    for index, bound in enumerate(bounds):
        buckets[f"age{index}"] = Count(
            "id",
            filter=Q(submitted_at__gt=bound)
            if newer is None
            else Q(submitted_at__gt=bound, submitted_at__lte=newer),
        )
        newer = bound
    buckets[f"age{len(bounds)}"] = Count(
        "id", filter=Q(submitted_at__lte=newer) | Q(submitted_at__isnull=True)
    )
    waiting = {}
    for group in (
        Submission.objects.filter(status=Submission.Status.SUBMITTED)
        .values("registration__stage_id")
        .annotate(count=Count("id"), oldest=Min("submitted_at"), **buckets)
        .order_by()
    ):
        waiting[group["registration__stage_id"]] = WaitingFigures(
            count=group["count"],
            oldest_at=group["oldest"],
            ages=[group[f"age{index}"] for index in range(len(AGE_BUCKETS))],
        )
    return Snapshot(taken_at=now, stages=stages, waiting=waiting)


def refresh_snapshot(year_id: int | None) -> Snapshot:
    year = AcademicYear.objects.filter(pk=year_id).first() if year_id else None
    snapshot = compute_snapshot(year)
    cache.set(_snapshot_key(year_id), snapshot, timeout=24 * 3600)
    cache.delete(_snapshot_key(year_id) + ":queued")
    return snapshot


@task(queue_name="default")
def refresh_dashboard_snapshot(year_id: int | None) -> None:
    """Recompute the dashboard's snapshot of a year in the background (one task at a time)."""
    refresh_snapshot(year_id)


def current_snapshot(year: AcademicYear | None) -> Snapshot:
    """The cached snapshot; computed here only when there is none, and queued for a refresh
    (once) when older than SNAPSHOT_SECONDS: the page shows it meanwhile, with its time."""
    year_id = year.pk if year else None
    snapshot = cache.get(_snapshot_key(year_id))
    if snapshot is None:
        return refresh_snapshot(year_id)
    if snapshot.stale and cache.add(
        _snapshot_key(year_id) + ":queued", True, timeout=max(60, 5 * snapshot_seconds())
    ):
        refresh_dashboard_snapshot.enqueue(year_id)
    return snapshot


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
    snapshot_at: datetime.datetime | None = None  # when the admitted, documents and money were counted
    awaiting_url: str = ""  # the registrations awaiting payment (the money behind "owed")


def build_dashboard(user, *, component: str | None = None, whole_campaign: bool = False) -> Dashboard:
    choice = choose_components(user, component)
    year = AcademicYear.objects.current()
    stages = stages_in_scope(choice.ids)
    chosen = choice.selected.pk if choice.selected else None
    money = comparison = by_stage = per_day = None
    snapshot = current_snapshot(year)
    if year:
        last_code = previous_code(year.code)
        last = AcademicYear.objects.filter(code=last_code).first() if last_code else None
        counts.ensure_built([year.pk, last.pk if last else None])
        this_year = counts.year_counts(year.pk, None if choice.ids is None else list(stages))
        money, comparison = money_and_comparison(
            year, choice.ids, stages, this_year=this_year, snapshot=snapshot, last=last
        )
        if chosen:
            comparison.this_year_url = list_url(year, chosen)
        by_stage = registrations_by_stage(
            year, choice.ids, stages, this_year=this_year, component=chosen, snapshot=snapshot
        )
        per_day = registrations_per_day(year, choice.ids, whole_campaign=whole_campaign, stages=stages)
    return Dashboard(
        year=year,
        components=choice,
        by_stage=by_stage,
        per_day=per_day,
        documents=waiting_documents(choice.ids, stages, snapshot),
        payments=payment_attention(choice.ids, stages=stages),
        requests=waiting_requests(choice.ids, stages),
        money=money,
        comparison=comparison,
        snapshot_at=snapshot.taken_at,
        awaiting_url=list_url(year, chosen, progress="awaiting_payment") if year else "",
    )
