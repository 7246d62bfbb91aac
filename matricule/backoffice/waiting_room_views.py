"""The waiting room seen by staff (`/gestion/file-attente/`); the gates are the waitingroom app's."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import staff_required
from matricule.waitingroom import gate as gates
from matricule.waitingroom.models import Gate
from matricule.waitingroom.views import wait_minutes


@never_cache
@staff_required
def waiting_room(request):
    """Places in use and students in line, live."""
    now = gates.now()
    rows = []
    active = gates.active_gate(now)
    for row in Gate.objects.select_related("window__academic_year").order_by("-window__opens_at")[:10]:
        live = gates.overview(active, now) if active is not None and active.pk == row.pk else None
        rows.append({"gate": row, "live": live, "minutes": wait_minutes(live.wait_seconds) if live else None})
    return render(
        request,
        "backoffice/waitingroom/queue.html",
        {
            "rows": rows,
            "refresh": gates.refresh_seconds(),
            "manual": request.GET.get("manuel") == "1",
        },
    )
