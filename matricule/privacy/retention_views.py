"""The retention schedule as administrators see it in the back office: each class of personal
data, its delay, its end and why, how many items are due now (a dry run), and the last run."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import staff_required

from . import retention


@never_cache
@staff_required(administrator=True)
def retention_schedule(request):
    now = timezone.now()
    due = retention.apply(dry_run=True, now=now)
    last = retention.last_run()
    done = (last.data.get("counts") or {}) if last else {}
    rows = [(data_class, due[data_class.code], done.get(data_class.code)) for data_class in retention.CLASSES]
    return render(
        request,
        "privacy/retention.html",
        {
            "rows": rows,
            "total_due": sum(due.values()),
            "last_run": last,
            "last_failed": (last.data.get("failed") or []) if last else [],
        },
    )
