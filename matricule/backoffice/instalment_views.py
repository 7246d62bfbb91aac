"""Overdue instalments (`/gestion/echeances/`): the students of the agent's components whose fees
are paid in instalments and who have not paid one past its due date, oldest first. The student is
emailed by `payments.instalments`; this is the registrar's list of whom to call."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import scope_queryset, staff_required
from matricule.payments import instalments

PAGE_SIZE = 50


@never_cache
@staff_required
def overdue(request):
    today = timezone.localdate()
    rows = scope_queryset(
        instalments.overdue(today).select_related("registration__stage__programme__component"),
        request.user,
        "registration__stage__programme__component_id",
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for payment in page.object_list:
        payment.days_late = (today - payment.due_on).days
    return render(request, "backoffice/instalments.html", {"page": page, "today": today})
