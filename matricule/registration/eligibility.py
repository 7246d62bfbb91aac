"""May this admitted candidate register online now? And if not, why, and what to do next."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from matricule.admissions.models import Candidate, Phase, Situation
from matricule.institution.campaign import campaign_windows
from matricule.institution.models import (
    Component,
    OfflinePopulation,
    Population,
    RegistrationWindow,
)


class WindowState:
    OPEN = "open"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"


class Reason:
    OK = "ok"
    NOT_ACCEPTED = "not_accepted"
    OFFLINE = "offline_population"
    NO_STAGE = "no_stage"
    NOT_OPEN_YET = WindowState.NOT_OPEN_YET
    CLOSED = WindowState.CLOSED


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


def _windows_for(year, populations, component: Component | None) -> list[RegistrationWindow]:
    """The windows open to these populations in this component (or in all), from the campaign
    overview's cached windows: their dates are compared with the time of each request, and a
    change of the windows themselves is seen within 30 s."""
    found = []
    for window in campaign_windows(year):
        if window.population not in populations:
            continue
        components = {c.pk for c in window.components.all()}  # prefetched with the cached rows
        if not components or (component is not None and component.pk in components):
            found.append(window)
    return sorted(found, key=lambda w: w.opens_at)


def window_state(windows, now: datetime.datetime) -> tuple[RegistrationWindow | None, str]:
    """Among `windows` (by opening date), the one open now, else the next to open, else none;
    and which it is (`WindowState`). First registrations and re-registrations alike."""
    open_now = next((w for w in windows if w.is_open(now)), None)
    if open_now:
        return open_now, WindowState.OPEN
    upcoming = next((w for w in windows if w.opens_at > now), None)
    if upcoming:
        return upcoming, WindowState.NOT_OPEN_YET
    return None, WindowState.CLOSED


def eligibility(candidate: Candidate, now: datetime.datetime | None = None) -> Verdict:
    now = now or timezone.now()
    component = candidate.stage.programme.component if candidate.stage_id else None
    if candidate.situation != Situation.ACCEPTED:
        return Verdict(Reason.NOT_ACCEPTED, component)
    if candidate.offline_population:
        offline = OfflinePopulation.objects.filter(kind=candidate.offline_population, is_active=True).first()
        if offline is not None:
            return Verdict(Reason.OFFLINE, component, offline=offline)
    if component is None:
        return Verdict(Reason.NO_STAGE)
    windows = _windows_for(candidate.academic_year, populations_for(candidate), component)
    window, state = window_state(windows, now)
    # Not open yet, or closed: the reason is the window's state.
    return Verdict(Reason.OK if state == WindowState.OPEN else state, component, window=window)
