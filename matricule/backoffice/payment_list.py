"""The payments to check (`/gestion/paiements/`): card payments still pending long after they
began (their notification lost) and payments held for review because what was paid does not
match what was due, in the agent's components, oldest first, paginated.

The GET parameters (`state`: stuck or held, `anomaly`: underpaid, overpaid, duplicate or other,
`component`, `sort`, `page`) are part of the page's contract: the dashboard's "payments to
check" figures link here and count with the same conditions (`STUCK`, `HELD`, `ANOMALIES`)."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache

from matricule.accounts.staff import scope_queryset, staff_required
from matricule.institution.models import Component
from matricule.payments.models import Payment

PAGE_SIZE = 50
# A card payment still pending after this long lost its notification (or the student left the
# bank's page): reconciliation asks the gateway after 5 minutes, so this is well past it.
PENDING_MINUTES = 30
PAYMENT_COMPONENT = "registration__stage__programme__component_id"


def pending_minutes() -> int:
    return int(getattr(settings, "MATRICULE_DASHBOARD_PENDING_MINUTES", PENDING_MINUTES))


def stuck_condition(now: datetime.datetime | None = None) -> Q:
    """Pending for longer than `pending_minutes()`."""
    limit = (now or timezone.now()) - datetime.timedelta(minutes=pending_minutes())
    return Q(status=Payment.Status.PENDING, created_at__lt=limit)


HELD = Q(status=Payment.Status.TO_REVIEW)
_NAMED = [Payment.Anomaly.UNDERPAID, Payment.Anomaly.OVERPAID, Payment.Anomaly.DUPLICATE]
# anomaly -> the payments held for it; "other": wrong currency, no amount, or no reason given.
ANOMALIES = {
    "underpaid": HELD & Q(anomaly=Payment.Anomaly.UNDERPAID),
    "overpaid": HELD & Q(anomaly=Payment.Anomaly.OVERPAID),
    "duplicate": HELD & Q(anomaly=Payment.Anomaly.DUPLICATE),
    "other": HELD & ~Q(anomaly__in=_NAMED),
}
STATE_CHOICES = [
    ("", _("Every payment to check")),
    ("stuck", _("Pending for too long")),
    ("held", _("Held for checking")),
]
ANOMALY_CHOICES = [
    ("", pgettext_lazy("anomaly", "Any")),
    ("underpaid", _("Amount lower than due")),
    ("overpaid", _("Amount higher than due")),
    ("duplicate", _("Paid twice")),
    ("other", _("Other (currency, amount not given)")),
]
SORTS = {"date": "created_at", "-date": "-created_at"}
DEFAULT_SORT = "date"  # the oldest first, as the dashboard shows them


class PaymentFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Which payments"), required=False, choices=STATE_CHOICES)
    anomaly = forms.ChoiceField(label=_("Anomaly"), required=False, choices=ANOMALY_CHOICES)
    component = forms.ModelChoiceField(
        label=_("Component"), queryset=Component.objects.none(), required=False, empty_label=_("All yours")
    )

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["component"].queryset = scope_queryset(Component.objects.order_by("name"), user, "pk")


@dataclass(frozen=True)
class Filters:
    state: str = ""
    anomaly: str = ""
    component: Component | None = None
    sort: str = DEFAULT_SORT

    def params(self) -> dict[str, str]:
        """The GET parameters that give this list again (without sort and page)."""
        values = {
            "state": self.state,
            "anomaly": self.anomaly,
            "component": str(self.component.pk) if self.component else "",
        }
        return {key: value for key, value in values.items() if value}


def parse(data, user) -> tuple[PaymentFilterForm, Filters | None]:
    form = PaymentFilterForm(
        {name: data.get(name, "") for name in ("state", "anomaly", "component")}, user=user
    )
    if not form.is_valid():
        return form, None
    sort = data.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        sort = DEFAULT_SORT  # a sort is no filter: an unknown one falls back quietly
    cleaned = form.cleaned_data
    return form, Filters(
        state=cleaned.get("state") or "",
        anomaly=cleaned.get("anomaly") or "",
        component=cleaned.get("component"),
        sort=sort,
    )


def to_check(now: datetime.datetime | None = None) -> Q:
    """Every payment to check: stuck or held."""
    return stuck_condition(now) | HELD


def condition(filters: Filters, now: datetime.datetime | None = None) -> Q:
    """What the list keeps of the payments (an anomaly is that of a payment held)."""
    wanted = {"stuck": stuck_condition(now), "held": HELD}.get(filters.state, to_check(now))
    if filters.anomaly:
        wanted &= ANOMALIES[filters.anomaly]
    return wanted


def payments(filters: Filters, user, now: datetime.datetime | None = None):
    """The payments of the list in the user's components (read: auditors' too), with their
    registration, student and stage: one query for a page."""
    rows = scope_queryset(Payment.objects.all(), user, PAYMENT_COMPONENT)
    if filters.component:
        rows = rows.filter(registration__stage__programme__component=filters.component)
    return (
        rows.filter(condition(filters, now))
        .select_related("registration__student", "registration__stage", "registration__academic_year")
        .order_by(SORTS[filters.sort], "pk" if filters.sort == "date" else "-pk")
    )


def list_url(component: int | None = None, **filters) -> str:
    """The list's address with these filters (the dashboard's links)."""
    params = {"component": component, **filters}
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    path = reverse("backoffice:payments")  # in the page's language: /gestion/… or /en/gestion/…
    return f"{path}?{query}" if query else path


@never_cache
@staff_required
def payment_list(request):
    form, filters = parse(request.GET, request.user)
    if filters is None:
        return render(
            request, "backoffice/payments.html", {"form": form, "filters": None, "page": None}, status=400
        )
    page = Paginator(payments(filters, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    following = "-date" if filters.sort == "date" else "date"
    return render(
        request,
        "backoffice/payments.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": urlencode({**filters.params(), "sort": filters.sort}),
            "date_sort_url": "?" + urlencode({**filters.params(), "sort": following}) + "#results",
            "date_aria_sort": "ascending" if filters.sort == "date" else "descending",
            "pending_minutes": pending_minutes(),
        },
    )
