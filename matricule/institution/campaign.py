"""What the public registration page says about a year's campaign, computed from its data."""

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone

from . import reference
from .models import (
    AcademicYear,
    AssistancePeriod,
    Component,
    OfflinePopulation,
    Population,
    RegistrationWindow,
    University,
)


@dataclass(frozen=True)
class WindowView:
    window: RegistrationWindow
    state: str  # "open", "upcoming" or "closed"

    @property
    def population(self) -> str:
        return self.window.population


@dataclass
class ComponentContact:
    component: Component
    assistance: AssistancePeriod | None


@dataclass
class CampaignOverview:
    year: AcademicYear
    university: University | None
    now: datetime.datetime
    windows: list[WindowView]
    contacts: list[ComponentContact]
    helpline: AssistancePeriod | None
    offline_populations: list[OfflinePopulation]
    other_years: list[AcademicYear] = field(default_factory=list)

    def for_population(self, population: str) -> list[WindowView]:
        return [w for w in self.windows if w.population == population]

    @property
    def first_main(self) -> list[WindowView]:
        return self.for_population(Population.FIRST_MAIN)

    @property
    def first_second(self) -> list[WindowView]:
        return self.for_population(Population.FIRST_SECOND)

    @property
    def reregistration(self) -> list[WindowView]:
        return self.for_population(Population.REREGISTRATION)

    @property
    def open_now(self) -> list[WindowView]:
        return [w for w in self.windows if w.state == "open"]

    @property
    def next_opening(self) -> WindowView | None:
        upcoming = [w for w in self.windows if w.state == "upcoming"]
        return min(upcoming, key=lambda w: w.window.opens_at, default=None)

    @property
    def all_closed(self) -> bool:
        return bool(self.windows) and all(w.state == "closed" for w in self.windows)


def window_state(window: RegistrationWindow, now: datetime.datetime) -> str:
    if now < window.opens_at:
        return "upcoming"
    if now >= window.closes_at:
        return "closed"
    return "open"


# The public page, the login pages and the student home show the same campaign data to thousands
# of students a minute on opening day: it is read from the database at most every CACHE_SECONDS
# per year (the shared cache), and the windows' states are worked out at each request.
CACHE_SECONDS = 30


# On top of the shared cache, each process keeps the rows a few seconds: the public page, the
# login page and the student home would otherwise fetch and unpickle them on every request.
LOCAL_SECONDS = 5


def _campaign_rows(year: AcademicYear) -> dict:
    return reference.memo(("campaign", year.pk), lambda: _shared_campaign_rows(year), LOCAL_SECONDS)


def _shared_campaign_rows(year: AcademicYear) -> dict:
    key = f"campaign-overview:{year.pk}"
    rows = cache.get(key)
    if rows is None:
        windows = list(
            RegistrationWindow.objects.filter(academic_year=year)
            .prefetch_related(Prefetch("components", queryset=Component.objects.order_by("name")))
            .order_by("opens_at")
        )
        university = University.objects.first()
        rows = {
            "windows": windows,
            "periods": list(AssistancePeriod.objects.filter(academic_year=year)),
            "university": university,
            "components": list(Component.objects.order_by("name")),
            "offline": list(OfflinePopulation.objects.filter(is_active=True, university=university))
            if university
            else [],
            "other_years": list(AcademicYear.objects.exclude(pk=year.pk).order_by("-starts_on")),
        }
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def campaign_windows(year: AcademicYear) -> list[RegistrationWindow]:
    """The year's registration windows, their components prefetched (from the cache above)."""
    return _campaign_rows(year)["windows"]


def forget_campaign(**kwargs) -> None:
    """Called when the configuration changes (post_save of the models read above)."""
    reference.forget()
    cache.delete_many([f"campaign-overview:{pk}" for pk in AcademicYear.objects.values_list("pk", flat=True)])


def campaign_overview(year: AcademicYear, now: datetime.datetime | None = None) -> CampaignOverview:
    """Everything the public page shows for `year` (from the cache, see _campaign_rows)."""
    now = now or timezone.now()
    rows = _campaign_rows(year)
    periods = rows["periods"]
    by_component = {p.component_id: p for p in periods if p.component_id}
    return CampaignOverview(
        year=year,
        university=rows["university"],
        now=now,
        windows=[WindowView(w, window_state(w, now)) for w in rows["windows"]],
        contacts=[ComponentContact(c, by_component.get(c.pk)) for c in rows["components"]],
        helpline=next((p for p in periods if p.component_id is None), None),
        offline_populations=rows["offline"],
        other_years=rows["other_years"],
    )


def first_registration_status(year, now: datetime.datetime | None = None):
    """For the login page: (is any first-registration window open, the next one to open)."""
    now = now or timezone.now()
    windows = sorted(
        (
            w
            for w in campaign_windows(year)
            if w.population in (Population.FIRST_MAIN, Population.FIRST_SECOND)
        ),
        key=lambda w: w.opens_at,
    )
    is_open = any(w.is_open(now) for w in windows)
    upcoming = next((w for w in windows if w.opens_at > now), None)
    return is_open, upcoming
