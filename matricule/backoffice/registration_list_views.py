"""The registrations list page (`/gestion/inscriptions/`): filters, sort and pages; the query is
registration_list's."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import can_act, staff_required
from matricule.institution.templatetags.matricule_format import long_date

from . import registration_list


def day_filters(filters: registration_list.Filters) -> list[dict]:
    """The day filters given (from the dashboard's links): what each keeps, and the list without it."""
    labels = {
        "started_on": _("Started on %(day)s"),
        "submitted_on": _("Submitted on %(day)s"),
        "submitted_by": _("Submitted on or before %(day)s"),
        "registered_by": _("Registered on or before %(day)s"),
    }
    shown = []
    for name, day in filters.days.items():
        rest = {key: value for key, value in filters.params().items() if key != name}
        shown.append(
            {
                "name": name,
                "day": day,
                "label": labels[name] % {"day": long_date(day)},
                "remove_url": "?" + urlencode({**rest, "sort": filters.sort}),
            }
        )
    return shown


def sort_headers(filters: registration_list.Filters) -> list[dict]:
    """Each sortable column: its link (the other direction when it is the current sort) and its
    `aria-sort` when it is the current one."""
    current, descending = filters.sort.lstrip("-"), filters.sort.startswith("-")
    headers = []
    for key, (label, _registrations, _candidates) in registration_list.SORTS.items():
        if filters.lists_candidates and key == "state":
            continue  # every candidate listed has the same progress
        is_current = key == current
        following = f"-{key}" if is_current and not descending else key
        headers.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urlencode({**filters.params(), "sort": following}) + "#results",
                "aria_sort": ("descending" if descending else "ascending") if is_current else "",
            }
        )
    return headers


@never_cache
@staff_required
def registrations(request):
    form, filters = registration_list.parse(request.GET, request.user)
    if filters is None:
        context = {"form": form, "filters": None, "page": None}
        return render(request, "backoffice/registrations.html", context, status=400)
    page = None
    if filters.year is not None:
        rows = registration_list.people(filters, request.user)
        page = Paginator(rows, registration_list.PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({**filters.params(), "sort": filters.sort})
    return render(
        request,
        "backoffice/registrations.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "headers": sort_headers(filters),
            "day_filters": day_filters(filters),
            "query": query,
            "no_year": filters.year is None,
            # The button only where the reader may act: in the component chosen, or in one at least.
            "can_remind": can_act(request.user, filters.component.pk if filters.component else None),
            "sums": registration_list.sums(filters, request.user),
            "remind_url": f"{reverse('backoffice:registrations-remind')}?{query}",
            "progress_label": dict(registration_list.PROGRESS_CHOICES).get(
                filters.progress, _("Every registration")
            ),
        },
    )
