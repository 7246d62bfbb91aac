"""The registrations list of the back office (`/gestion/inscriptions/`): the people of a campaign
in the agent's components, by year, component, stage and progress, sorted and paginated.

The GET parameters (`year`, `component`, `stage`, `progress`, `state`, `waiting`, the days
`started_on`, `submitted_on`, `submitted_by`, `registered_by`, `sort`, `page`) are part of the
page's contract: the dashboard links every figure to the list of the rows it
counts, and its summary counts them with the same conditions (`PROGRESS_CONDITIONS`,
`admitted_candidates`, `not_started_candidates`, `oldest_waiting`). "Admitted" and "not
started" list admitted candidates; every other progress lists registrations. The reminders
(reminders.py) send to the same lists, through `people` with `write=True`."""

import datetime
from dataclasses import dataclass

from django import forms
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from matricule.accounts.staff import component_ids, scope_queryset
from matricule.admissions.models import Candidate, Situation
from matricule.documents.models import Submission
from matricule.institution.models import AcademicYear, Component, Stage
from matricule.payments.models import MONEY_TAKEN, Payment
from matricule.registration.models import Registration, State

PAGE_SIZE = 50

# States of a registration whose form is done: the documents are what may still be missing.
PAST_THE_FORM = [State.AWAITING_PAYMENT, State.PAID, State.EXEMPT, State.REGISTERED]

# States past the student's submission, cancelled ones left out (registration.counts says the same).
SUBMITTED_OR_LATER = [State.SUBMITTED, State.AWAITING_PAYMENT, State.PAID, State.EXEMPT, State.REGISTERED]

NOT_STARTED = "not_started"
ADMITTED = "admitted"
CANDIDATE_PROGRESS = (NOT_STARTED, ADMITTED)
# Lists of money: the page shows the sums of the rows listed beside their number.
MONEY_PROGRESS = ("money_collected", "money_refunded", "awaiting_payment")
PROGRESS_CHOICES = [
    (ADMITTED, _("Admitted (Parcoursup)")),
    (NOT_STARTED, _("Admitted, not started")),
    ("started", _("Started (not cancelled)")),
    ("draft", _("Form being filled in")),
    ("submitted", _("Form submitted")),
    ("past_submission", _("Form submitted, or further (not cancelled)")),
    ("awaiting_payment", _("Awaiting payment")),
    ("registered", _("Registered (paid or exempt)")),
    ("documents_complete", _("Registered, every document validated")),
    ("documents_missing", _("Documents missing")),
    ("documents_refused", _("Documents refused")),
    ("documents_waiting", _("Documents waiting for review")),
    ("money_collected", _("Money collected (a payment taken)")),
    ("money_refunded", _("Refunded, in full or in part")),
    ("owing_nothing", _("Owing nothing (exempted)")),
    ("cancelled", _("Cancelled")),
]


def _payments(**conditions):
    return Exists(Payment.objects.filter(registration=OuterRef("pk"), status__in=MONEY_TAKEN, **conditions))


# progress -> what it keeps of the year's registrations; the dashboard's summary counts with the
# same conditions, so that a figure and its list agree.
PROGRESS_CONDITIONS = {
    "started": ~Q(state=State.CANCELLED),
    "draft": Q(state=State.DRAFT),
    "submitted": Q(state=State.SUBMITTED),
    "past_submission": Q(state__in=SUBMITTED_OR_LATER),
    "awaiting_payment": Q(state=State.AWAITING_PAYMENT),
    # Paid or exempt registrations become registered at once; a few may sit between the two.
    "registered": Q(state__in=[State.PAID, State.EXEMPT, State.REGISTERED]),
    # Registered with no document short of validated (none required counts as complete).
    "documents_complete": Q(state=State.REGISTERED)
    & ~Exists(
        Submission.objects.filter(registration=OuterRef("pk")).exclude(status=Submission.Status.VALIDATED)
    ),
    "money_collected": _payments(),
    "money_refunded": _payments(refunded_cents__gt=0),
    # Exempted (grant holders, exchange students, waivers): nothing due, not cancelled.
    "owing_nothing": Q(state__in=[State.EXEMPT, State.REGISTERED], fee_total_cents=0),
    "cancelled": Q(state=State.CANCELLED),
}
_DOCUMENTS = {
    "documents_missing": Submission.Status.MISSING,
    "documents_refused": Submission.Status.REFUSED,
    "documents_waiting": Submission.Status.SUBMITTED,
}
# The files the review queue lists, whatever their state or year (the dashboard's "to review").
FILES_WAITING = Exists(
    Submission.objects.filter(registration=OuterRef("pk"), status=Submission.Status.SUBMITTED)
)
for _progress, _status in _DOCUMENTS.items():
    PROGRESS_CONDITIONS[_progress] = Q(
        Exists(Submission.objects.filter(registration=OuterRef("pk"), status=_status)),
        state__in=PAST_THE_FORM,
    )

# Files with documents waiting, by how long their oldest document has waited:
# (key, more than so many days, at most so many days, label).
WAITING_AGES = (
    ("under_1_day", None, 1, pgettext_lazy("documents waiting", "Less than 1 day")),
    ("1_to_3_days", 1, 3, pgettext_lazy("documents waiting", "1 to 3 days")),
    ("3_to_7_days", 3, 7, pgettext_lazy("documents waiting", "3 to 7 days")),
    ("over_7_days", 7, None, pgettext_lazy("documents waiting", "More than 7 days")),
)


def _waiting(**conditions):
    return Submission.objects.filter(
        registration=OuterRef("pk"), status=Submission.Status.SUBMITTED, **conditions
    ).order_by()


def waiting_condition(key: str, now: datetime.datetime) -> Q:
    """On registrations annotated by `with_oldest_waiting`: the oldest document waiting has
    waited as long as the age group `key` says (a document with no date counts as the oldest)."""
    _key, more_than, at_most, _label = next(age for age in WAITING_AGES if age[0] == key)
    condition = Q(has_waiting=True)
    if at_most is not None:
        condition &= Q(has_undated=False, oldest_waiting__gt=now - datetime.timedelta(days=at_most))
    if more_than is not None:
        condition &= Q(has_undated=True) | Q(oldest_waiting__lte=now - datetime.timedelta(days=more_than))
    return condition


def with_oldest_waiting(registrations):
    """Each registration's oldest document waiting for review: the earliest date (an aggregate
    through the registration's index, not a walk of every document waiting in date order),
    whether one has no date, and whether any waits."""
    return registrations.annotate(
        oldest_waiting=Subquery(
            _waiting().values("registration").annotate(oldest=Min("submitted_at")).values("oldest")[:1]
        ),
        has_undated=Exists(_waiting(submitted_at__isnull=True)),
        has_waiting=Exists(_waiting()),
    )


# --- Days: the registrations per day and the comparison with last year -------------------------
#
# The dashboard counts these from `registration.counts` (state changes kept per local day, or
# rebuilt from the rows' stamps by `counts.path`); the lists below read the rows' stamps with the
# same rules, on local days (TIME_ZONE), as ranges of instants (an index may serve them).
#
# - started on D: registrations created on D, whatever their state since (`per_day`'s "started":
#   every creation). A registration deleted since is counted there and listed nowhere.
# - submitted on D: registrations whose submission (their move to "submitted", at the desk too)
#   happened on D (`per_day`'s "submitted": every move to "submitted" that day). The row keeps
#   only its last submission (`submitted_at`): a form given back for a correction and submitted
#   again on a later day is counted on both days, and listed on the later one only; given back
#   and not submitted again, it is listed on the day of its submission, as counted.
# - submitted by D: submissions until D less the forms given back until D (the counts' "forms
#   submitted"). A form given back is a draft with a submission stamp; when it was given back
#   the row does not say: as the counts rebuilt from the rows (`counts.path`) have it, on the
#   day of its last change (`updated_at`). A form given back then cancelled counts as submitted.
# - registered by D: registrations that became "registered" until D, cancelled since or not.
#
# A step with no stamp of its own (rows imported in bulk) is dated as `counts.path` dates it: by
# the next stamp there is (submission: registered_at, else created_at; registration:
# submitted_at, else created_at).
DAY_FILTERS = ("started_on", "submitted_on", "submitted_by", "registered_by")


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the local day and of the next one (23 or 25 hours apart on the days
    the clocks change)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


# The day of a registration's submission and of its registration, as counts.path dates them.
SUBMITTED_AT = Coalesce("submitted_at", "registered_at", "created_at")
REGISTERED_AT = Coalesce("registered_at", "submitted_at", "created_at")
# Registrations that went through "submitted" at least once (a cancelled one without a stamp
# was cancelled from its draft).
EVER_SUBMITTED = ~Q(state=State.DRAFT, submitted_at=None) & ~Q(
    state=State.CANCELLED, submitted_at=None, registered_at=None
)
# Registrations that went through "registered" (and may have been cancelled since).
EVER_REGISTERED = Q(state=State.REGISTERED) | Q(state=State.CANCELLED, registered_at__isnull=False)
GIVEN_BACK = Q(state=State.DRAFT, submitted_at__isnull=False)


def day_condition(name: str, day: datetime.date) -> Q:
    """What the list keeps of the year's registrations for the day filter `name` on `day`."""
    start, end = day_bounds(day)
    if name == "started_on":
        return Q(created_at__gte=start, created_at__lt=end)
    if name == "submitted_on":
        return EVER_SUBMITTED & Q(GreaterThanOrEqual(SUBMITTED_AT, start), LessThan(SUBMITTED_AT, end))
    if name == "submitted_by":
        # Given back on or before D (by the row's last change): no longer submitted on D.
        return EVER_SUBMITTED & Q(LessThan(SUBMITTED_AT, end)) & ~(GIVEN_BACK & Q(updated_at__lt=end))
    if name == "registered_by":
        return EVER_REGISTERED & Q(LessThan(REGISTERED_AT, end))
    raise ValueError(name)


SORTS = {
    "name": (_("Name"), ["student__last_name", "student__first_names"], ["last_name", "first_names"]),
    "stage": (_("Stage"), ["stage__name", "student__last_name"], ["stage__name", "last_name"]),
    "state": (_("State"), ["state", "student__last_name"], ["last_name", "first_names"]),
    "date": (_("Date"), ["created_at"], ["response_date", "last_name"]),
}
DEFAULT_SORT = "name"


class StageChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class ListFilterForm(forms.Form):
    """The list's filters; a value that is not one of the choices is a form error (a message on
    the page, never a 500)."""

    year = forms.ChoiceField(label=_("Academic year"), required=False)
    component = forms.ModelChoiceField(
        label=_("Component"), queryset=Component.objects.none(), required=False, empty_label=_("All yours")
    )
    stage = StageChoice(label=_("Stage"), queryset=Stage.objects.none(), required=False, empty_label=_("All"))
    progress = forms.ChoiceField(
        label=_("Progress"), required=False, choices=[("", _("Every registration")), *PROGRESS_CHOICES]
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Every state")), *State.choices]
    )
    waiting = forms.ChoiceField(
        label=_("Oldest document waiting for"),
        required=False,
        choices=[("", _("Any time")), *((key, label) for key, _more, _most, label in WAITING_AGES)],
    )
    started_on = forms.DateField(label=_("Started on"), required=False)
    submitted_on = forms.DateField(label=_("Submitted on"), required=False)
    submitted_by = forms.DateField(label=_("Submitted on or before"), required=False)
    registered_by = forms.DateField(label=_("Registered on or before"), required=False)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["year"].choices = list(
            AcademicYear.objects.order_by("-starts_on").values_list("code", "code")
        )
        self.fields["component"].queryset = scope_queryset(Component.objects.order_by("name"), user, "pk")
        self.fields["stage"].queryset = scope_queryset(
            Stage.objects.order_by("programme__component__name", "name"), user, "programme__component_id"
        )

    def clean(self):
        data = super().clean()
        component, stage = data.get("component"), data.get("stage")
        if component and stage and stage.programme.component_id != component.pk:
            self.add_error("stage", _("This stage does not belong to the component chosen."))
        return data


@dataclass(frozen=True)
class Filters:
    year: AcademicYear | None
    component: Component | None = None
    stage: Stage | None = None
    progress: str = ""
    sort: str = DEFAULT_SORT  # a key of SORTS, "-" first for descending
    state: str = ""  # exactly this state (the dashboard's stage × state cells)
    waiting: str = ""  # a key of WAITING_AGES: the oldest document waiting for so long
    # Local days (DAY_FILTERS): the dashboard's registrations per day and comparison with last year.
    started_on: datetime.date | None = None
    submitted_on: datetime.date | None = None
    submitted_by: datetime.date | None = None
    registered_by: datetime.date | None = None

    @property
    def days(self) -> dict[str, datetime.date]:
        """The day filters given, by name."""
        return {name: getattr(self, name) for name in DAY_FILTERS if getattr(self, name) is not None}

    @property
    def lists_candidates(self) -> bool:
        return self.progress in CANDIDATE_PROGRESS

    def params(self) -> dict[str, str]:
        """The GET parameters that give this list again (without sort and page)."""
        values = {
            "year": self.year.code if self.year else "",
            "component": str(self.component.pk) if self.component else "",
            "stage": str(self.stage.pk) if self.stage else "",
            "progress": self.progress,
            "state": "" if self.lists_candidates else self.state,
            "waiting": "" if self.lists_candidates else self.waiting,
        }
        if not self.lists_candidates:
            values.update({name: day.isoformat() for name, day in self.days.items()})
        return {key: value for key, value in values.items() if value}


def parse(data, user) -> tuple[ListFilterForm, Filters | None]:
    """The form bound to the GET (or POST) parameters, and the filters when they are valid."""
    values = {
        name: data.get(name, "")
        for name in ("year", "component", "stage", "progress", "state", "waiting", *DAY_FILTERS)
    }
    if not values["year"]:
        # The current year by default, shown selected in the form.
        current = AcademicYear.objects.current()
        values["year"] = current.code if current else ""
    form = ListFilterForm(values, user=user)
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    sort = data.get("sort") or DEFAULT_SORT
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT  # a sort is no filter: an unknown one falls back quietly
    year = AcademicYear.objects.filter(code=cleaned["year"]).first() if cleaned["year"] else None
    return form, Filters(
        year=year,
        component=cleaned.get("component"),
        stage=cleaned.get("stage"),
        progress=cleaned.get("progress") or "",
        sort=sort,
        state=cleaned.get("state") or "",
        waiting=cleaned.get("waiting") or "",
        **{name: cleaned.get(name) for name in DAY_FILTERS},
    )


def ordering(filters: Filters, candidates: bool = False) -> list[str]:
    key = filters.sort.lstrip("-")
    fields = SORTS[key][2 if candidates else 1]
    if filters.sort.startswith("-"):
        fields = [f"-{name}" for name in fields]
    return [*fields, "-pk" if filters.sort.startswith("-") else "pk"]


def filtered_registrations(filters: Filters, user, *, write: bool = False, now=None):
    """The year's registrations of the list (every state unless `progress` or `state` says which)."""
    rows = Registration.objects.filter(academic_year=filters.year)
    rows = scope_queryset(rows, user, "stage__programme__component_id", write=write)
    if filters.component:
        rows = rows.filter(stage__programme__component=filters.component)
    if filters.stage:
        rows = rows.filter(stage=filters.stage)
    if filters.progress in PROGRESS_CONDITIONS:
        rows = rows.filter(PROGRESS_CONDITIONS[filters.progress])
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.waiting:
        rows = with_oldest_waiting(rows).filter(waiting_condition(filters.waiting, now or timezone.now()))
    for name, day in filters.days.items():
        rows = rows.filter(day_condition(name, day))
    return rows


@dataclass
class Sums:
    """The money of the rows of a money list, as the dashboard adds it up."""

    collected_cents: int = 0
    refunded_cents: int = 0
    owed_cents: int = 0  # the fees of those awaiting payment

    @property
    def net_cents(self) -> int:
        return self.collected_cents - self.refunded_cents


def sums(filters: Filters, user) -> Sums | None:
    """The sums of a money list (None for other lists): one aggregate query."""
    if filters.year is None or filters.progress not in MONEY_PROGRESS:
        return None
    rows = filtered_registrations(filters, user)
    if filters.progress == "awaiting_payment":
        return Sums(owed_cents=rows.aggregate(owed=Sum("fee_total_cents"))["owed"] or 0)
    money = Payment.objects.filter(registration__in=rows.values("pk"), status__in=MONEY_TAKEN).aggregate(
        collected=Sum("paid_cents"), refunded=Sum("refunded_cents")
    )
    return Sums(collected_cents=money["collected"] or 0, refunded_cents=money["refunded"] or 0)


def registrations(filters: Filters, user, *, write: bool = False):
    """The list's registrations, each with its documents counted by status: one query for a
    page, whatever its length."""
    return (
        filtered_registrations(filters, user, write=write)
        .select_related("student__user", "stage")
        .defer("data", "cleaned", "fee_lines", "touched_steps", "valid_steps")
        .annotate(
            documents_missing=Count("submissions", filter=Q(submissions__status=Submission.Status.MISSING)),
            documents_refused=Count("submissions", filter=Q(submissions__status=Submission.Status.REFUSED)),
            documents_waiting=Count("submissions", filter=Q(submissions__status=Submission.Status.SUBMITTED)),
        )
        .order_by(*ordering(filters, candidates=False))
    )


def admitted_candidates(year):
    """The year's candidates admitted through Parcoursup to one of our stages (the dashboard's
    "admitted")."""
    return Candidate.objects.filter(academic_year=year, stage__isnull=False)


def not_started_candidates(year):
    """Admitted candidates of the year who have no registration (of any state) that year; not
    those of a population registered offline by their office (continuing education...)."""
    rows = Candidate.objects.filter(academic_year=year, situation=Situation.ACCEPTED, purged_at=None)
    rows = rows.filter(Q(offline_population__isnull=True) | Q(offline_population=""))
    return rows.exclude(Exists(Registration.objects.filter(candidate=OuterRef("pk"))))


def candidates(filters: Filters, user, *, write: bool = False):
    """The candidates of a candidates' list: admitted, or admitted and not started."""
    if filters.progress == ADMITTED:
        rows = admitted_candidates(filters.year)
    else:
        rows = not_started_candidates(filters.year)
    ids = component_ids(user, write=write)
    if ids is not None:
        # A candidate whose Parcoursup offer is not mapped to a stage belongs to no component yet.
        rows = rows.filter(stage__programme__component_id__in=ids)
    if filters.component:
        rows = rows.filter(stage__programme__component=filters.component)
    if filters.stage:
        rows = rows.filter(stage=filters.stage)
    return rows.select_related("stage").order_by(*ordering(filters, candidates=True))


def people(filters: Filters, user, *, write: bool = False):
    """The list's rows: candidates for "not started", registrations otherwise."""
    if filters.year is None:
        return Registration.objects.none()
    if filters.lists_candidates:
        return candidates(filters, user, write=write)
    return registrations(filters, user, write=write)
