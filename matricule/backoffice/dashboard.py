"""The figures of the back-office dashboard, for the current academic year and the components
the staff member works for (all of them for an administrator).

The registrations' figures (by stage and state, the funnel, per day, last year at the same
date) are sums of the counts kept as registrations change (`registration.counts`): their cost
grows with the stages and the campaign's days, not with the registrations. Admitted candidates,
documents and money come from a summary the task queue computes and stores (`Snapshot`,
`DashboardSummary`): the page shows the last one with its time, and never computes it. Payments
and requests waiting are aggregate queries on indexed columns. Every figure links to the list
that shows the rows it counts (`list_url`: the registrations list counts them with the same
conditions as the summary)."""

import datetime
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy

from matricule.accounts.staff import component_ids
from matricule.compat import task
from matricule.documents.models import Submission
from matricule.institution.models import AcademicYear, Component, RegistrationWindow, Stage
from matricule.payments.models import MONEY_TAKEN, Payment
from matricule.registration import counts
from matricule.registration.models import Registration, State
from matricule.requests.models import OPEN_STATES, Request
from matricule.requests.models import State as RequestState

from . import charts, payment_list, registration_list
from .charts import BarChart, horizontal_bars
from .models import DashboardSummary
from .registration_list import WAITING_AGES

# A card payment still pending after this long lost its notification: payment_list's, whose
# conditions the "payments to check" figures count with.
PENDING_MINUTES = payment_list.PENDING_MINUTES
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


# The lists each figure opens: registrations (`/gestion/inscriptions/`, with its filters), the
# review queue, the student requests; reversed when the page is drawn, so in its language
# (`/gestion/…` in French, `/en/gestion/…` in English).
def _path(name: str, query: str = "") -> str:
    path = reverse(f"backoffice:{name}")
    return f"{path}?{query}" if query else path


def _requests_in(state, component: int | None = None) -> str:
    params = {"state": state.value if state else None, "component": component}
    return _path("request-list", urlencode({k: v for k, v in params.items() if v is not None}))


def list_url(year: AcademicYear | None, component: int | None = None, **filters) -> str:
    """The registrations list filtered as the figure counts: year code, component, stage,
    progress, state, waiting."""
    params = {"year": year.code if year else None, "component": component, **filters}
    return _path("registrations", urlencode({k: v for k, v in params.items() if v not in (None, "")}))


def pending_minutes() -> int:
    return payment_list.pending_minutes()


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
    not_started: int = 0  # admitted (for good, online), no registration yet
    cells: list[Cell] = field(default_factory=list)  # `counts` with their links
    url: str = ""  # the stage's registrations
    links: dict[str, str] = field(default_factory=dict)  # each funnel figure's list


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
    not_started: int = 0
    total_cells: list[Cell] = field(default_factory=list)
    url: str = ""  # every registration in scope
    links: dict[str, str] = field(default_factory=dict)
    funnel_chart: BarChart | None = None
    funnel_svg: str = ""


def stages_in_scope(ids: set[int] | None) -> dict[int, dict]:
    """The programme stages of the components, by id (a few hundred rows at most): filtering
    registrations on their stage ids spares the join through programmes on every count."""
    stages = _scoped(Stage.objects.all(), ids, "programme__component_id")
    return {stage["id"]: stage for stage in stages.values("id", "code", "name", "programme__name", "level")}


# Each funnel figure's list: the registrations list's filters that show the rows it counts.
FUNNEL_FILTERS = {
    "admitted": {"progress": "admitted"},
    "not_started": {"progress": "not_started"},
    "started": {"progress": "started"},
    "submitted": {"progress": "past_submission"},
    "registered": {"state": State.REGISTERED.value},
    "documents_complete": {"progress": "documents_complete"},
}


def funnel_links(year: AcademicYear, component: int | None, **scope) -> dict[str, str]:
    return {name: list_url(year, component, **scope, **extra) for name, extra in FUNNEL_FILTERS.items()}


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
                links=funnel_links(year, component, stage=stage_id),
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
    # No summary yet (being computed): those figures are zero, and the page says why.
    for stage_id, figures in (snapshot.stages if snapshot is not None else {}).items():
        if ids is not None and stage_id not in stages:
            continue
        if figures.admitted or figures.not_started:
            row_of(stage_id).admitted = figures.admitted
            rows[stage_id].not_started = figures.not_started
        if stage_id in rows:
            rows[stage_id].documents_complete = figures.documents_complete
    for row in rows.values():
        row.cells = [
            Cell(count, list_url(year, component, stage=row.stage_id, state=value))
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
        # An administrator's university-wide list also holds those admitted to no stage yet.
        not_started=sum(row.not_started for row in ordered)
        + (snapshot.unmapped_not_started if snapshot is not None and ids is None else 0),
        total_cells=[
            Cell(count, list_url(year, component, state=value))
            for (value, _label), count in zip(states, totals, strict=True)
        ],
        url=list_url(year, component),
        links=funnel_links(year, component),
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


# --- Registrations per day -----------------------------------------------------------------


@dataclass
class Day:
    day: datetime.date
    started: int
    submitted: int
    # The registrations list of the day (registration_list.day_condition says how it matches).
    started_url: str = ""
    submitted_url: str = ""


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
    component: int | None = None,
) -> DailyRegistrations:
    """Started and submitted per local day; `component`: the one chosen, kept in the links."""
    today = today or timezone.localdate()
    campaign_start, last = campaign_days(year, today)
    first = campaign_start
    if not whole_campaign and (last - first).days >= RECENT_DAYS:
        first = last - datetime.timedelta(days=RECENT_DAYS - 1)
    stages = stages_in_scope(ids) if stages is None else stages
    started, submitted = counts.per_day(year.pk, None if ids is None else list(stages), first, last)
    days = [
        Day(
            day=day,
            started=started.get(day, 0),
            submitted=submitted.get(day, 0),
            started_url=list_url(year, component, started_on=day.isoformat()),
            submitted_url=list_url(year, component, submitted_on=day.isoformat()),
        )
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
    url: str = ""  # the registrations list of these files


@dataclass
class WaitingDocuments:
    count: int  # files with documents waiting for review, every year: the review queue's count
    oldest_at: datetime.datetime | None
    # This year's files (registrations) with documents waiting, by how long their oldest has
    # waited: what the registrations list can show, file by file.
    ages: list[AgeGroup] = field(default_factory=list)
    chart: BarChart | None = None
    svg: str = ""
    url: str = field(default_factory=lambda: _path("document-queue"))
    files: int = 0  # the ages' total
    files_url: str = ""

    @property
    def ready(self) -> bool:
        return self.chart is not None


def waiting_documents(
    ids: set[int] | None,
    stages: dict[int, dict] | None = None,
    snapshot: "Snapshot | None" = None,
    year: AcademicYear | None = None,
    component: int | None = None,
) -> WaitingDocuments:
    """Files with documents waiting for review (every year, the same count as the review
    queue), and this year's by how long their oldest document had waited when the summary was
    taken. No summary yet: nothing (`ready` False)."""
    if snapshot is None:
        return WaitingDocuments(count=0, oldest_at=None)

    def in_scope(stage_id) -> bool:
        return ids is None or stages is None or stage_id in stages

    count, oldest = 0, None
    for stage_id, figures in snapshot.waiting.items():
        if not in_scope(stage_id):
            continue
        count += figures.count
        if figures.oldest_at is not None and (oldest is None or figures.oldest_at < oldest):
            oldest = figures.oldest_at
    ages = [0] * len(WAITING_AGES)
    for stage_id, figures in snapshot.stages.items():
        if in_scope(stage_id):
            ages = [total + n for total, n in zip(ages, figures.files_waiting, strict=True)]
    groups = [
        AgeGroup(
            str(label),
            n,
            list_url(year, component, progress="documents_waiting", waiting=key) if year else "",
        )
        for (key, _more, _most, label), n in zip(WAITING_AGES, ages, strict=True)
    ]
    labels = [group.label for group in groups]
    chart = horizontal_bars(
        labels,
        [(pgettext("documents waiting", "Files"), ages)],
        label_width=charts.label_width_for(labels),
    )
    svg = charts.svg(
        chart,
        chart_id="documents-age-chart",
        title=gettext("Files with documents waiting for review, by how long the oldest has waited"),
        description=", ".join(f"{group.label}: {group.count}" for group in groups),
        legend=False,
    )
    return WaitingDocuments(
        count=count,
        oldest_at=oldest,
        # The queue of the component chosen, as the figure counts it.
        url=_path("document-queue", f"component={component}" if component else ""),
        ages=groups,
        chart=chart,
        svg=svg,
        files=sum(ages),
        files_url=list_url(year, component, progress="documents_waiting") if year else "",
    )


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
    # The payments list behind each figure (payment_list: the same conditions).
    url: str = ""
    stuck_url: str = ""
    underpaid_url: str = ""
    overpaid_url: str = ""
    duplicate_url: str = ""
    other_url: str = ""

    @property
    def mismatched(self) -> int:
        return self.underpaid + self.overpaid + self.duplicate + self.other

    @property
    def total(self) -> int:
        return self.stuck + self.mismatched


def payment_attention(
    ids: set[int] | None,
    now: datetime.datetime | None = None,
    stages: dict[int, dict] | None = None,
    component: int | None = None,
) -> PaymentAttention:
    """Payments a person must look at: attempts pending too long (notification lost) and
    payments held because what was paid does not match what was due; counted with the
    conditions of the payments list (`payment_list`), which each figure links to. `component`:
    the one chosen, kept in the links."""
    stuck = payment_list.stuck_condition(now)
    held = payment_list.HELD
    payments = _through_stage(Payment.objects.all(), ids, stages, "registration")
    anomalies = payment_list.ANOMALIES
    figures = payments.filter(stuck | held).aggregate(
        stuck=Count("id", filter=stuck),
        oldest_stuck=Min("created_at", filter=stuck),
        **{
            name: Count("id", filter=anomalies[name])
            for name in ("underpaid", "overpaid", "duplicate", "other")
        },
    )

    def link(**filters) -> str:
        return payment_list.list_url(component, **filters)

    result = PaymentAttention(
        pending_minutes=pending_minutes(),
        url=link(),
        stuck_url=link(state="stuck"),
        underpaid_url=link(state="held", anomaly="underpaid"),
        overpaid_url=link(state="held", anomaly="overpaid"),
        duplicate_url=link(state="held", anomaly="duplicate"),
        other_url=link(state="held", anomaly="other"),
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
    # The request list: waiting (its default), new, being handled.
    component: int | None = None  # the one chosen, kept in the links
    url: str = ""
    submitted_url: str = ""
    in_review_url: str = ""

    def __post_init__(self):
        self.url = self.url or _requests_in(None, self.component)
        self.submitted_url = self.submitted_url or _requests_in(RequestState.SUBMITTED, self.component)
        self.in_review_url = self.in_review_url or _requests_in(RequestState.IN_REVIEW, self.component)

    @property
    def count(self) -> int:
        return self.submitted + self.in_review


def waiting_requests(
    ids: set[int] | None, stages: dict[int, dict] | None = None, component: int | None = None
) -> WaitingRequests:
    requests = _through_stage(Request.objects.filter(state__in=OPEN_STATES), ids, stages, "registration")
    figures = requests.aggregate(
        submitted=Count("id", filter=Q(state=RequestState.SUBMITTED)),
        in_review=Count("id", filter=Q(state=RequestState.IN_REVIEW)),
        oldest=Min("created_at"),
    )
    return WaitingRequests(
        submitted=figures["submitted"],
        in_review=figures["in_review"],
        oldest_at=figures["oldest"],
        component=component,
    )


# --- Money, and against last year at the same date ------------------------------------------


@dataclass
class Money:
    collected_cents: int  # taken by card, at the desk or by hand, refunds not deducted
    refunded_cents: int
    awaiting: int  # registrations waiting for their payment
    awaiting_cents: int  # what they owe
    exempt: int  # registrations that owe nothing (grant holders, exchange students, waivers)
    # The lists behind the figures (their page adds up the same sums).
    collected_url: str = ""
    refunded_url: str = ""
    awaiting_url: str = ""
    exempt_url: str = ""

    @property
    def net_cents(self) -> int:
        return self.collected_cents - self.refunded_cents


@dataclass
class YearFigures:
    code: str
    submitted: int  # forms finished by the student (or the desk)
    registered: int
    # The year's registrations list as counted "by that day" (registration_list.day_condition).
    submitted_url: str = ""
    registered_url: str = ""


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
    component: int | None = None,
) -> tuple[Money | None, YearComparison]:
    """This year's money, and how far its campaign is against last year's at the same calendar
    date: the money from the summary (None when there is none yet), the rest from the counts of
    both years."""
    today = today or timezone.localdate()
    same_day = same_day_last_year(today)
    scope = None if ids is None else list(stages)
    if this_year is None:
        this_year = counts.year_counts(year.pk, scope)
    money = None
    if snapshot is not None:
        money = Money(
            collected_cents=0,
            refunded_cents=0,
            awaiting=0,
            awaiting_cents=0,
            exempt=0,
            collected_url=list_url(year, component, progress="money_collected"),
            refunded_url=list_url(year, component, progress="money_refunded"),
            awaiting_url=list_url(year, component, progress="awaiting_payment"),
            exempt_url=list_url(year, component, progress="owing_nothing"),
        )
        for stage_id, figures in snapshot.stages.items():
            if ids is None or stage_id in stages:
                money.collected_cents += figures.collected_cents
                money.refunded_cents += figures.refunded_cents
                money.awaiting += figures.awaiting
                money.awaiting_cents += figures.awaiting_cents
                money.exempt += figures.owing_nothing
    last_year = None
    last_code = previous_code(year.code)
    if last is _UNKNOWN:
        last = AcademicYear.objects.filter(code=last_code).first() if last_code else None
    if last is not None:
        then = counts.counts_until(last.pk, scope, same_day)
        if then.anything:
            last_year = YearFigures(
                code=last_code,
                submitted=then.submitted,
                registered=then.registered,
                submitted_url=list_url(last, component, submitted_by=same_day.isoformat()),
                registered_url=list_url(last, component, registered_by=same_day.isoformat()),
            )
    comparison = YearComparison(
        this_year=YearFigures(
            code=year.code,
            submitted=this_year.submitted,
            registered=this_year.registered,
            submitted_url=list_url(year, component, submitted_by=today.isoformat()),
            registered_url=list_url(year, component, registered_by=today.isoformat()),
        ),
        last_year=last_year,
        same_day=same_day,
        this_year_url=list_url(year),
        last_year_url=list_url(last) if last is not None else "",
    )
    return money, comparison


# --- The snapshot: figures from other apps' rows, refreshed by the task queue ------------------


@dataclass
class StageFigures:
    """A stage's figures of the summary, each counted as the registrations list counts the rows
    it links to (registration_list's conditions)."""

    admitted: int = 0
    not_started: int = 0
    documents_complete: int = 0
    collected_cents: int = 0
    refunded_cents: int = 0
    awaiting: int = 0
    awaiting_cents: int = 0
    owing_nothing: int = 0
    # Files (registrations) with documents waiting, by how long their oldest has waited.
    files_waiting: list[int] = field(default_factory=lambda: [0] * len(WAITING_AGES))


@dataclass
class WaitingFigures:
    """Files (registrations) of a stage with documents waiting for review, every year (the
    review queue's count), and when the oldest document was sent."""

    count: int = 0
    oldest_at: datetime.datetime | None = None


@dataclass
class Snapshot:
    """Per stage, university-wide: what the registration counts do not hold (admitted
    candidates, documents, money), computed in a few grouped queries by the task queue and
    stored (`DashboardSummary`); a page sums the stages of its scope and never computes it."""

    taken_at: datetime.datetime
    stages: dict[int, StageFigures]
    waiting: dict[int, WaitingFigures]  # files with documents waiting for review, every year
    unmapped_not_started: int = 0  # admitted to an offer mapped to no stage yet (administrators see them)

    @property
    def stale(self) -> bool:
        return timezone.now() - self.taken_at > datetime.timedelta(seconds=snapshot_seconds())

    def to_json(self) -> dict:
        return {
            "stages": {str(pk): asdict(figures) for pk, figures in self.stages.items()},
            "waiting": {
                str(pk): {"count": w.count, "oldest_at": w.oldest_at.isoformat() if w.oldest_at else None}
                for pk, w in self.waiting.items()
            },
            "unmapped_not_started": self.unmapped_not_started,
        }

    @classmethod
    def from_json(cls, taken_at: datetime.datetime, data: dict) -> "Snapshot":
        known = {f.name for f in fields(StageFigures)}
        return cls(
            taken_at=taken_at,
            stages={
                int(pk): StageFigures(**{k: v for k, v in values.items() if k in known})
                for pk, values in data.get("stages", {}).items()
            },
            waiting={
                int(pk): WaitingFigures(
                    count=w["count"],
                    oldest_at=datetime.datetime.fromisoformat(w["oldest_at"]) if w["oldest_at"] else None,
                )
                for pk, w in data.get("waiting", {}).items()
            },
            unmapped_not_started=data.get("unmapped_not_started", 0),
        )


SNAPSHOT_SECONDS = 60
# A refresh asked of the task queue and not done after this long (no worker, a crash) is asked again.
REFRESH_LEASE_SECONDS = 300


def snapshot_seconds() -> int:
    return int(getattr(settings, "MATRICULE_DASHBOARD_SNAPSHOT_SECONDS", SNAPSHOT_SECONDS))


def _by_stage(queryset, **aggregates) -> dict:
    return {
        group.pop("stage_id"): group
        for group in queryset.values("stage_id").annotate(**aggregates).order_by()
    }


def compute_snapshot(year: AcademicYear | None, now: datetime.datetime | None = None) -> Snapshot:
    """The summary's figures from the rows (a handful of grouped queries, every stage): about
    a second at 200 000 registrations, hence only ever run by the task queue."""
    now = now or timezone.now()
    stages: dict[int, StageFigures] = {}
    unmapped = 0

    def of(stage_id) -> StageFigures:
        return stages.setdefault(stage_id, StageFigures())

    if year is not None:
        for stage_id, group in _by_stage(
            registration_list.admitted_candidates(year), count=Count("id")
        ).items():
            of(stage_id).admitted = group["count"]
        for stage_id, group in _by_stage(
            registration_list.not_started_candidates(year), count=Count("id")
        ).items():
            if stage_id is None:
                unmapped = group["count"]
            else:
                of(stage_id).not_started = group["count"]
        # One condition per query, in its WHERE: a semi- or anti-join for the database, where
        # the same test inside an aggregate's FILTER would run a subquery per registration.
        conditions = registration_list.PROGRESS_CONDITIONS
        registrations = Registration.objects.filter(academic_year=year)
        for stage_id, group in _by_stage(
            registrations.filter(conditions["documents_complete"]), count=Count("id")
        ).items():
            of(stage_id).documents_complete = group["count"]
        for stage_id, group in _by_stage(
            registrations.filter(conditions["owing_nothing"]), count=Count("id")
        ).items():
            of(stage_id).owing_nothing = group["count"]
        for stage_id, group in _by_stage(
            registrations.filter(conditions["awaiting_payment"]),
            count=Count("id"),
            cents=Sum("fee_total_cents"),
        ).items():
            of(stage_id).awaiting, of(stage_id).awaiting_cents = group["count"], group["cents"] or 0
        for stage_id, ages in files_waiting_by_age(year, now).items():
            of(stage_id).files_waiting = ages
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
    # Stages with nothing at all are left out: a page sums what is there.
    stages = {pk: figures for pk, figures in stages.items() if figures != StageFigures()}
    # Files with documents waiting, every year, as the review queue counts them.
    waiting = {
        stage_id: WaitingFigures(count=group["count"])
        for stage_id, group in _by_stage(
            Registration.objects.filter(registration_list.FILES_WAITING), count=Count("id")
        ).items()
    }
    for group in (
        Submission.objects.filter(status=Submission.Status.SUBMITTED)
        .values("registration__stage_id")
        .annotate(oldest=Min("submitted_at"))
        .order_by()
    ):
        if group["registration__stage_id"] in waiting:
            waiting[group["registration__stage_id"]].oldest_at = group["oldest"]
    return Snapshot(taken_at=now, stages=stages, waiting=waiting, unmapped_not_started=unmapped)


def files_waiting_by_age(year: AcademicYear, now: datetime.datetime) -> dict[int, list[int]]:
    """{stage id: [files in each of WAITING_AGES]}: the year's registrations past the form with
    documents waiting (the list's "documents waiting"), by how long their oldest has waited.
    The documents waiting are grouped by registration, then the registrations by stage, in one
    statement; its age groups are those of registration_list.waiting_condition."""
    files = (
        Submission.objects.filter(
            status=Submission.Status.SUBMITTED,
            registration__academic_year=year,
            registration__state__in=registration_list.PAST_THE_FORM,
        )
        .values("registration_id")
        .annotate(
            stage=Max("registration__stage_id"),
            oldest=Min("submitted_at"),
            undated=Count("id", filter=Q(submitted_at__isnull=True)),
        )
        .order_by()
    )
    inner, params = files.query.sql_with_params()
    columns, bounds = [], []
    for _key, more_than, at_most, _label in WAITING_AGES:
        # As waiting_condition: within the group's bounds; a document with no date is the oldest.
        tests = []
        if at_most is not None:
            tests.append("undated = 0 AND oldest > %s")
            bounds.append(now - datetime.timedelta(days=at_most))
        if more_than is not None:
            tests.append("(undated > 0 OR oldest <= %s)")
            bounds.append(now - datetime.timedelta(days=more_than))
        columns.append(f"SUM(CASE WHEN {' AND '.join(tests)} THEN 1 ELSE 0 END)")
    bounds = [connection.ops.adapt_datetimefield_value(bound) for bound in bounds]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT stage, {', '.join(columns)} FROM ({inner}) files GROUP BY stage",  # noqa: S608 (no input)
            [*bounds, *params],
        )
        return {row[0]: [int(n or 0) for n in row[1:]] for row in cursor.fetchall()}


def _summary_key(year_id: int | None) -> int:
    return year_id or 0


def refresh_snapshot(year_id: int | None) -> Snapshot:
    """Compute and store a year's summary (the task's body); the refresh asked is done."""
    year = AcademicYear.objects.filter(pk=year_id).first() if year_id else None
    snapshot = compute_snapshot(year)
    DashboardSummary.objects.update_or_create(
        key=_summary_key(year_id),
        defaults={"computed_at": snapshot.taken_at, "figures": snapshot.to_json(), "queued_at": None},
    )
    return snapshot


def stored_snapshot(year: AcademicYear | None) -> tuple[Snapshot | None, DashboardSummary | None]:
    """The summary last stored for the year (None when there is none yet), and its row."""
    row = DashboardSummary.objects.filter(key=_summary_key(year.pk if year else None)).first()
    if row is None or row.computed_at is None:
        return None, row
    return Snapshot.from_json(row.computed_at, row.figures), row


def ask_refresh(year: AcademicYear | None, row: DashboardSummary | None, now=None) -> bool:
    """Ask the task queue for a new summary, unless one was asked less than REFRESH_LEASE_SECONDS
    ago: whoever creates the row, or moves its `queued_at` by a conditional UPDATE, enqueues,
    so that many page views, in many processes, enqueue one task. True if this call did."""
    now = now or timezone.now()
    key = _summary_key(year.pk if year else None)
    lease = now - datetime.timedelta(seconds=REFRESH_LEASE_SECONDS)
    if row is None:
        try:
            with transaction.atomic():
                DashboardSummary.objects.create(key=key, queued_at=now)
        except IntegrityError:  # created meanwhile by another view, which enqueued
            return False
    elif row.queued_at is not None and row.queued_at > lease:
        return False  # asked already, not done yet
    elif not DashboardSummary.objects.filter(
        Q(queued_at__isnull=True) | Q(queued_at__lte=lease), key=key
    ).update(queued_at=now):
        return False
    year_id = year.pk if year else None
    transaction.on_commit(lambda: refresh_dashboard_summary.enqueue(year_id))
    return True


@task(queue_name="default")
def refresh_dashboard_summary(year_id: int | None) -> None:
    """Compute and store the dashboard's summary of a year (asked by the page, once at a time:
    ask_refresh); the page never computes it on the request path."""
    refresh_snapshot(year_id)


# The name tasks queued before the summary was stored had: those still run after an upgrade.
refresh_dashboard_snapshot = refresh_dashboard_summary


def current_snapshot(year: AcademicYear | None) -> Snapshot | None:
    """The stored summary, never computed here: when there is none, or it is older than
    SNAPSHOT_SECONDS, a refresh is asked of the task queue (once) and the page shows what there
    is meanwhile (nothing, or the last one with its time)."""
    snapshot, row = stored_snapshot(year)
    if snapshot is None or snapshot.stale:
        ask_refresh(year, row)
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

    @property
    def summary_ready(self) -> bool:
        """False until the task queue has computed the first summary: the page says it is being
        computed instead of showing zeros."""
        return self.snapshot_at is not None


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
            year, choice.ids, stages, this_year=this_year, snapshot=snapshot, last=last, component=chosen
        )
        if chosen:
            comparison.this_year_url = list_url(year, chosen)
        by_stage = registrations_by_stage(
            year, choice.ids, stages, this_year=this_year, component=chosen, snapshot=snapshot
        )
        per_day = registrations_per_day(
            year, choice.ids, whole_campaign=whole_campaign, stages=stages, component=chosen
        )
    return Dashboard(
        year=year,
        components=choice,
        by_stage=by_stage,
        per_day=per_day,
        documents=waiting_documents(choice.ids, stages, snapshot, year=year, component=chosen),
        payments=payment_attention(choice.ids, stages=stages, component=chosen),
        requests=waiting_requests(choice.ids, stages, component=chosen),
        money=money,
        comparison=comparison,
        snapshot_at=snapshot.taken_at if snapshot is not None else None,
        awaiting_url=list_url(year, chosen, progress="awaiting_payment") if year else "",
    )
