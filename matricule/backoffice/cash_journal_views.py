"""The desk's cash journal (`/gestion/guichet/caisse/`): the day's takings by means of payment,
the close with the cash counted, and the CSV for the accounting office. The rules are in
`cash_journal.py`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from matricule.accounts.staff import component_ids, in_scope, staff_required
from matricule.audit.services import record
from matricule.institution.models import Component

from . import cash_journal
from .desk_forms import DayCloseForm, JournalForm


def _components(user):
    ids = component_ids(user)
    components = Component.objects.order_by("name")
    return components if ids is None else components.filter(pk__in=ids)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def journal(request):
    components = _components(request.user)
    query = request.GET if "day" in request.GET else None
    chosen = JournalForm(
        query, components=components, initial={"component": components.first(), "day": timezone.localdate()}
    )
    if query is not None and not chosen.is_valid():
        return render(request, "backoffice/desk/cash_journal.html", {"chosen": chosen}, status=400)
    component = chosen.cleaned_data["component"] if query else components.first()
    day = chosen.cleaned_data["day"] if query else timezone.localdate()
    if component is None:
        raise PermissionDenied
    can_close = in_scope(request.user, component.pk, write=True)
    close_form = DayCloseForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not can_close:
            raise PermissionDenied
        if close_form.is_valid():
            try:
                cash_journal.close_day(
                    component,
                    day,
                    agent=request.user,
                    counted_cash_cents=close_form.counted_cash_cents,
                    note=close_form.cleaned_data["note"],
                )
            except cash_journal.CannotClose as error:
                close_form.add_error(None, error.message)
            else:
                messages.success(request, _("The day is closed."))
                return redirect(f"{request.path}?{urlencode({'component': component.pk, 'day': day})}")
        status = 400
    current = cash_journal.journal(component, day)
    if request.GET.get("format") == "csv":
        record(
            "backoffice.cash_journal.exported",
            actor=request.user,
            component_id=component.pk,
            day=day.isoformat(),
        )
        response = HttpResponse(cash_journal.csv_text(current), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="caisse-{component.code}-{day.isoformat()}.csv"'
        )
        response["Cache-Control"] = "private, no-store"
        return response
    context = {
        "chosen": chosen,
        "journal": current,
        "close_form": close_form,
        "can_close": can_close,
        "csv_query": urlencode({"component": component.pk, "day": day, "format": "csv"}),
    }
    return render(request, "backoffice/desk/cash_journal.html", context, status=status)
