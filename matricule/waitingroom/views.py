"""The students' waiting page, answered by the middleware in place of a guarded page (the staff's view
of the waiting room is the back office's)."""

import datetime

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from . import gate as gates


def _moment(epoch: float) -> datetime.datetime:
    return timezone.localtime(datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC))


def wait_minutes(seconds: int | None) -> int | None:
    return None if seconds is None else max(1, round(seconds / 60))


def waiting_response(request, gate, decision, *, lost: bool = False) -> HttpResponse:
    """The light waiting page, answered in place of the guarded page: rendered without
    context processors or session, so a refresh reads a few cache keys and no database row.
    It reloads itself (meta refresh, no JavaScript) unless the student turned that off."""
    manual = request.GET.get("manuel") == "1"
    path = request.path
    query = request.GET.copy()
    query.pop("manuel", None)
    here = path + (f"?{query.urlencode()}" if query else "")
    query["manuel"] = "1"
    context = {
        "university": gate.university,
        "decision": decision,
        "lost": lost,
        "idle_minutes": gate.idle_seconds // 60,
        "refresh": gates.refresh_after(decision, gates.now()),
        "manual": manual,
        "here": here,
        "manual_url": f"{path}?{query.urlencode()}",
        "opens_at": _moment(decision.opens_at) if decision.before_opening else None,
        "minutes": wait_minutes(decision.wait_seconds),
    }
    response = HttpResponse(render_to_string("waitingroom/wait.html", context, request=None))
    response["Cache-Control"] = "no-store"
    response["X-Matricule-Queue"] = "early" if decision.before_opening else str(decision.position)
    return response
