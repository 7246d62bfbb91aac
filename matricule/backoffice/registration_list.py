"""The registrations list of the back office (`/gestion/inscriptions/`): the people of a campaign
in the agent's components, by year, component, stage and progress, sorted and paginated.

The GET parameters (`year`, `component`, `stage`, `progress`, `sort`, `page`) are part of the
page's contract: the dashboard links to them. "Not started" lists admitted candidates (there is
no registration yet); every other progress lists registrations. The reminders (reminders.py)
send to the same lists, through `people` with `write=True`."""

from dataclasses import dataclass

from django import forms
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from matricule.accounts.staff import component_ids, scope_queryset
from matricule.admissions.models import Candidate, Situation
from matricule.documents.models import Submission
from matricule.institution.models import AcademicYear, Component, Stage
from matricule.registration.models import Registration, State

PAGE_SIZE = 50

# States of a registration whose form is done: the documents are what may still be missing.
PAST_THE_FORM = [State.AWAITING_PAYMENT, State.PAID, State.EXEMPT, State.REGISTERED]

NOT_STARTED = "not_started"
PROGRESS_CHOICES = [
    (NOT_STARTED, _("Admitted, not started")),
    ("draft", _("Form being filled in")),
    ("submitted", _("Form submitted")),
    ("awaiting_payment", _("Awaiting payment")),
    ("registered", _("Registered (paid or exempt)")),
    ("documents_missing", _("Documents missing")),
    ("documents_refused", _("Documents refused")),
    ("documents_waiting", _("Documents waiting for review")),
    ("cancelled", _("Cancelled")),
]

# progress -> what it keeps of the year's registrations.
_STATES = {
    "draft": Q(state=State.DRAFT),
    "submitted": Q(state=State.SUBMITTED),
    "awaiting_payment": Q(state=State.AWAITING_PAYMENT),
    # Paid or exempt registrations become registered at once; a few may sit between the two.
    "registered": Q(state__in=[State.PAID, State.EXEMPT, State.REGISTERED]),
    "cancelled": Q(state=State.CANCELLED),
}
_DOCUMENTS = {
    "documents_missing": Submission.Status.MISSING,
    "documents_refused": Submission.Status.REFUSED,
    "documents_waiting": Submission.Status.SUBMITTED,
}

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

    @property
    def lists_candidates(self) -> bool:
        return self.progress == NOT_STARTED

    def params(self) -> dict[str, str]:
        """The GET parameters that give this list again (without sort and page)."""
        values = {
            "year": self.year.code if self.year else "",
            "component": str(self.component.pk) if self.component else "",
            "stage": str(self.stage.pk) if self.stage else "",
            "progress": self.progress,
        }
        return {key: value for key, value in values.items() if value}


def parse(data, user) -> tuple[ListFilterForm, Filters | None]:
    """The form bound to the GET (or POST) parameters, and the filters when they are valid."""
    values = {name: data.get(name, "") for name in ("year", "component", "stage", "progress")}
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
    )


def ordering(filters: Filters, candidates: bool = False) -> list[str]:
    key = filters.sort.lstrip("-")
    fields = SORTS[key][2 if candidates else 1]
    if filters.sort.startswith("-"):
        fields = [f"-{name}" for name in fields]
    return [*fields, "-pk" if filters.sort.startswith("-") else "pk"]


def filtered_registrations(filters: Filters, user, *, write: bool = False):
    """The year's registrations of the list (every state unless `progress` says which)."""
    rows = Registration.objects.filter(academic_year=filters.year)
    rows = scope_queryset(rows, user, "stage__programme__component_id", write=write)
    if filters.component:
        rows = rows.filter(stage__programme__component=filters.component)
    if filters.stage:
        rows = rows.filter(stage=filters.stage)
    if filters.progress in _STATES:
        rows = rows.filter(_STATES[filters.progress])
    elif filters.progress in _DOCUMENTS:
        rows = rows.filter(
            Exists(
                Submission.objects.filter(registration=OuterRef("pk"), status=_DOCUMENTS[filters.progress])
            ),
            state__in=PAST_THE_FORM,
        )
    return rows


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


def candidates(filters: Filters, user, *, write: bool = False):
    """Admitted candidates of the year who have no registration (of any state) that year; not
    those of a population registered offline by their office (continuing education...)."""
    rows = Candidate.objects.filter(academic_year=filters.year, situation=Situation.ACCEPTED, purged_at=None)
    rows = rows.filter(Q(offline_population__isnull=True) | Q(offline_population=""))
    rows = rows.exclude(Exists(Registration.objects.filter(candidate=OuterRef("pk"))))
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
