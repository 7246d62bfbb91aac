"""May this admitted candidate register online now? And if not, why, and what to do next."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from matricule.admissions.models import Candidate, Phase, Situation
from matricule.institution.models import (
    Component,
    OfflinePopulation,
    Population,
    RegistrationWindow,
)


class Reason:
    OK = "ok"
    NOT_ACCEPTED = "not_accepted"
    OFFLINE = "offline_population"
    NO_STAGE = "no_stage"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"


@dataclass(frozen=True)
class Verdict:
    reason: str
    component: Component | None = None
    window: RegistrationWindow | None = None  # the open one, or the next to open
    offline: OfflinePopulation | None = None

    @property
    def may_register(self) -> bool:
        return self.reason == Reason.OK


def populations_for(candidate: Candidate) -> list[str]:
    """Complementary-phase admits register in the second period; main-phase admits in either."""
    if candidate.phase == Phase.COMPLEMENTARY:
        return [Population.FIRST_SECOND]
    return [Population.FIRST_MAIN, Population.FIRST_SECOND]


def first_registration_windows(year, populations, component: Component | None):
    windows = RegistrationWindow.objects.filter(academic_year=year, population__in=populations)
    if component is not None:
        windows = windows.filter(Q(components__isnull=True) | Q(components=component))
    else:
        windows = windows.filter(components__isnull=True)
    return windows.distinct().order_by("opens_at")


def eligibility(candidate: Candidate, now: datetime.datetime | None = None) -> Verdict:
    now = now or timezone.now()
    component = candidate.stage.programme.component if candidate.stage_id else None
    if candidate.situation != Situation.ACCEPTED:
        return Verdict(Reason.NOT_ACCEPTED, component)
    if candidate.offline_population:
        offline = OfflinePopulation.objects.filter(kind=candidate.offline_population,
                                                   is_active=True).first()
        if offline is not None:
            return Verdict(Reason.OFFLINE, component, offline=offline)
    if component is None:
        return Verdict(Reason.NO_STAGE)
    windows = list(first_registration_windows(candidate.academic_year,
                                              populations_for(candidate), component))
    open_now = next((w for w in windows if w.is_open(now)), None)
    if open_now:
        return Verdict(Reason.OK, component, window=open_now)
    upcoming = next((w for w in windows if w.opens_at > now), None)
    if upcoming:
        return Verdict(Reason.NOT_OPEN_YET, component, window=upcoming)
    return Verdict(Reason.CLOSED, component)


def first_registration_status(year, now: datetime.datetime | None = None):
    """For the login page: (is any first-registration window open, the next one to open)."""
    now = now or timezone.now()
    windows = list(RegistrationWindow.objects.filter(
        academic_year=year, population__in=[Population.FIRST_MAIN, Population.FIRST_SECOND]
    ).order_by("opens_at"))
    is_open = any(w.is_open(now) for w in windows)
    upcoming = next((w for w in windows if w.opens_at > now), None)
    return is_open, upcoming
