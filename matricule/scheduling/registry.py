"""The recurring jobs, registered by the apps that own them (in their AppConfig.ready), and run
by the task workers' scheduler (services.run_due): no cron needed."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Recurring:
    name: str
    every: datetime.timedelta
    function: Callable[[], object]


JOBS: dict[str, Recurring] = {}


def register(name: str, every: datetime.timedelta, function: Callable[[], object]) -> None:
    JOBS[name] = Recurring(name, every, function)
