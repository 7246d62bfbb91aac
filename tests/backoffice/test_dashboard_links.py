"""Every figure of the dashboard links to the list that shows the rows it counts: following each
link gives a list whose count (or whose sum, for money) is the figure."""

import datetime
import re

import pytest
from django.utils import timezone

from matricule.backoffice import dashboard
from matricule.documents.models import DocumentType, Submission
from matricule.institution.models import AcademicYear, Component
from matricule.payments.models import Payment
from matricule.registration import counts
from matricule.registration.models import Registration
from matricule.requests.models import Request

from .conftest import make_registrations, payment


@pytest.fixture
def campaign(dataset, demo, days_ago, iut_agent):
    """The dashboard's `dataset`, and registrations in every other state and situation: paid,
    exempt, owing nothing, cancelled, awaiting payment (owing fees), refunded in part,
    documents complete, files waiting in each age group, requests new and being handled."""
    year = demo.current_year
    (paid,) = make_registrations("GEII-1", 1, "paid", year)
    exempt = make_registrations("GEII-1", 1, "exempt", year)
    free = make_registrations("GEA-1", 2, "registered", year)
    Registration.objects.filter(pk__in=[r.pk for r in exempt + free]).update(fee_total_cents=0)
    make_registrations("GEII-1", 2, "cancelled", year)
    awaiting = make_registrations("GEA-1", 3, "awaiting_payment", year)
    Registration.objects.filter(pk__in=[r.pk for r in awaiting]).update(fee_total_cents=17800)
    (refunded,) = make_registrations("GEII-1", 1, "registered", year)
    Payment.objects.create(
        registration=refunded,
        reference="LINKS-REFUND",
        gateway="simulator",
        amount_cents=17800,
        paid_cents=17800,
        refunded_cents=5000,
        status=Payment.Status.PARTLY_REFUNDED,
        fee_key="links-refund",
    )
    Payment.objects.create(
        registration=paid,
        reference="LINKS-PAID",
        gateway="simulator",
        amount_cents=17800,
        paid_cents=17800,
        status=Payment.Status.CONFIRMED,
        fee_key="links-paid",
    )
    identity, photo = DocumentType.objects.get(code="identity"), DocumentType.objects.get(code="photo")
    # Documents complete: every document validated (and one with none required at all: `free`).
    Submission.objects.create(registration=refunded, document_type=identity, status="validated")
    # Files waiting: 2 hours, 10 days (with a newer one waiting too).
    Submission.objects.create(
        registration=awaiting[0], document_type=identity, status="submitted", submitted_at=days_ago(0, 2)
    )
    Submission.objects.create(
        registration=awaiting[1], document_type=identity, status="submitted", submitted_at=days_ago(10)
    )
    Submission.objects.create(
        registration=awaiting[1], document_type=photo, status="submitted", submitted_at=days_ago(0, 1)
    )
    # A document with no date counts as the oldest of its file (2 hours and undated: over 7 days).
    Submission.objects.create(
        registration=awaiting[0], document_type=photo, status="submitted", submitted_at=None
    )
    Submission.objects.create(
        registration=free[0], document_type=identity, status="submitted", submitted_at=days_ago(0, 3)
    )
    registration = dataset["drafts"][0]
    Request.objects.create(student=registration.student, registration=registration, kind="address_change")
    Request.objects.create(
        student=registration.student,
        registration=registration,
        kind="card_reissue",
        state="in_review",
        assigned_to=iut_agent,
    )
    dashboard.refresh_snapshot(year.pk)  # what the task queue does
    return year


def linked_figures(d: dashboard.Dashboard) -> list[tuple[str, int, str, str]]:
    """(what, figure, link, what of the list to compare) for every figure of the page."""
    figures = []
    table = d.by_stage
    for row in [*table.rows, table]:
        name = getattr(row, "code", "total")
        for funnel in dashboard.FUNNEL_FILTERS:
            figures.append((f"{name} {funnel}", getattr(row, funnel), row.links[funnel], "count"))
        figures.append((f"{name} every state", row.total, row.url, "count"))
        cells = row.cells if row is not table else table.total_cells
        for (state, _label), cell in zip(table.states, cells, strict=True):
            figures.append((f"{name} {state}", cell.count, cell.url, "count"))
    money = d.money
    figures += [
        ("collected", money.collected_cents, money.collected_url, "collected_cents"),
        ("collected less refunds", money.net_cents, money.collected_url, "net_cents"),
        ("refunded", money.refunded_cents, money.refunded_url, "refunded_cents"),
        ("awaiting payment", money.awaiting, money.awaiting_url, "count"),
        ("owed", money.awaiting_cents, money.awaiting_url, "owed_cents"),
        ("exempted", money.exempt, money.exempt_url, "count"),
        ("files to review", d.documents.count, d.documents.url, "queue"),
        ("files waiting", d.documents.files, d.documents.files_url, "count"),
        *((f"waiting {group.label}", group.count, group.url, "count") for group in d.documents.ages),
        ("requests", d.requests.count, d.requests.url, "count"),
        ("new requests", d.requests.submitted, d.requests.submitted_url, "count"),
        ("requests being handled", d.requests.in_review, d.requests.in_review_url, "count"),
    ]
    return figures + day_figures(d) + payment_figures(d)


def day_figures(d: dashboard.Dashboard) -> list[tuple[str, int, str, str]]:
    figures = []
    # Registrations per day: each day's started and submitted (a day with none is no link).
    for day in d.per_day.days:
        if day.started:
            figures.append((f"started on {day.day}", day.started, day.started_url, "count"))
        if day.submitted:
            figures.append((f"submitted on {day.day}", day.submitted, day.submitted_url, "count"))
    # Compared with last year: each year's figures by that day.
    comparison = d.comparison
    for label, year in (("this year", comparison.this_year), ("last year", comparison.last_year)):
        if year is not None:
            figures.append((f"{label} submitted", year.submitted, year.submitted_url, "count"))
            figures.append((f"{label} registered", year.registered, year.registered_url, "count"))
    return figures


def payment_figures(d: dashboard.Dashboard) -> list[tuple[str, int, str, str]]:
    """Payments to check: each kind, and all of them."""
    p = d.payments
    return [
        ("payments to check", p.total, p.url, "count"),
        ("payments stuck", p.stuck, p.stuck_url, "count"),
        ("payments underpaid", p.underpaid, p.underpaid_url, "count"),
        ("payments overpaid", p.overpaid, p.overpaid_url, "count"),
        ("payments paid twice", p.duplicate, p.duplicate_url, "count"),
        ("payments held otherwise", p.other, p.other_url, "count"),
    ]


def listed(client, url: str, compare: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if compare == "queue":
        return context["total"]
    if compare == "count":
        return context["page"].paginator.count
    return getattr(context["sums"], compare)


def follow_every_link(client, figures):
    assert all(url for _what, _figure, url, _compare in figures)
    found = {what: listed(client, url, compare) for what, _figure, url, compare in figures}
    assert found == {what: figure for what, figure, _url, _compare in figures}


def test_each_figure_of_an_agent_is_the_count_of_its_list(campaign, iut_agent, staff_client):
    client = staff_client(iut_agent)
    page = client.get("/gestion/")
    figures = linked_figures(page.context["dashboard"])
    values = {what: figure for what, figure, _url, _compare in figures}
    # The data has something behind each kind of figure.
    for what in (
        "total admitted",
        "total not_started",
        "total submitted",
        "total documents_complete",
        "total paid",
        "total exempt",
        "total cancelled",
        "refunded",
        "owed",
        "exempted",
        "new requests",
        "requests being handled",
    ):
        assert values[what], what
    assert [group.count for group in page.context["dashboard"].documents.ages] == [1, 1, 1, 2]
    follow_every_link(client, figures)


def test_each_figure_of_a_component_chosen_is_the_count_of_its_list(campaign, administrator, staff_client):
    orleans = Component.objects.get(code="iut-orleans")
    client = staff_client(administrator)
    figures = linked_figures(client.get("/gestion/", {"component": orleans.pk}).context["dashboard"])
    # The review queue counts every file of the component (tested with the queue); the
    # registrations', the payments' and the requests' lists are the component's.
    figures = [figure for figure in figures if not figure[2].startswith("/gestion/pieces/")]
    assert all(f"component={orleans.pk}" in url for _what, _figure, url, _compare in figures)
    follow_every_link(client, figures)


def test_each_figure_of_the_whole_university_is_the_count_of_its_list(campaign, administrator, staff_client):
    client = staff_client(administrator)
    figures = linked_figures(client.get("/gestion/").context["dashboard"])
    # Thanh, admitted to an offer mapped to no stage yet, is among those not started.
    assert {what: figure for what, figure, *_rest in figures}["total not_started"] == 4
    follow_every_link(client, figures)


def test_every_figure_on_the_page_is_a_link(campaign, iut_agent, staff_client):
    content = staff_client(iut_agent).get("/gestion/").content.decode()
    money = content[content.index('id="money"') :]
    money = money[: money.index("</dl>")]
    assert re.findall(r"<dd>(?!<a )", money) == []
    tables = re.findall(r'<table class="figures">.*?</table>', content, flags=re.S)
    assert len(tables) == 5
    for table in tables:
        # Funnel, stage × state, files waiting, last year, per day: a figure is a link, or
        # nothing to list (the differences and the registered / admitted share are no counts).
        bare = re.findall(r"<td>([1-9]\d*)</td>", table)
        assert bare == [], table[:200]
    # Payments to check: each kind is a link to the payments list.
    first = content.index('href="/gestion/paiements/?')  # the block's, not the menu's
    waiting = content[content.rindex("<ul", 0, first) : content.index("</ul>", first)]
    assert waiting.count("<li>") == 3
    assert re.findall(r"<li>(?!<a )", waiting) == []


def test_another_year_link_shows_that_year(campaign, iut_agent, staff_client):
    client = staff_client(iut_agent)
    comparison = client.get("/gestion/").context["dashboard"].comparison
    last = AcademicYear.objects.get(code=comparison.last_year.code)
    assert comparison.last_year_url == f"/gestion/inscriptions/?year={last.code}"
    assert client.get(comparison.last_year_url).context["filters"].year == last


# --- Registrations per day, and last year at the same date ------------------------------------


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A local time (Europe/Paris) of that day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def stamped(stage, state, year, created, submitted=None, registered=None, updated=None, last_name="Jour"):
    (row,) = make_registrations(stage, 1, state, year, last_name=last_name)
    Registration.objects.filter(pk=row.pk).update(
        created_at=created, submitted_at=submitted, registered_at=registered, updated_at=updated or created
    )
    return row


@pytest.fixture
def days(campaign, dataset):
    """Around local midnight and a year back: registrations of this campaign started late
    yesterday evening and early this morning, submitted late in the evening; last year's
    registrations before and after the same date, a form given back and one cancelled after its
    registration. The counts rebuilt from the rows (as `rebuild_counts` does after an import)."""
    year = campaign
    last = AcademicYear.objects.get(code=dashboard.previous_code(year.code))
    today, yesterday = dataset["today"], dataset["yesterday"]
    # 23:30 in Paris is the next day in UTC the whole year round, 00:30 the day before.
    stamped("GEII-1", "draft", year, at(yesterday, 23, 30))
    stamped("GEII-1", "draft", year, at(today, 0, 30))
    stamped("GEA-1", "awaiting_payment", year, at(yesterday, 9), submitted=at(yesterday, 23, 45))
    stamped(
        "GEII-1",
        "registered",
        year,
        at(yesterday, 8),
        submitted=at(yesterday, 8, 30),
        registered=at(today, 0, 15),
    )
    # Cancelled from its draft: started, never submitted.
    stamped("GEII-1", "cancelled", year, at(yesterday, 10))
    same_day = dashboard.same_day_last_year(today)
    before, after = same_day - datetime.timedelta(days=20), same_day + datetime.timedelta(days=1)
    for _n in range(3):
        stamped(
            "GEII-1",
            "registered",
            last,
            at(before, 9),
            submitted=at(before, 10),
            registered=at(same_day, 23, 50),
        )
    stamped("GEA-1", "awaiting_payment", last, at(before, 9), submitted=at(same_day, 23, 59))
    stamped("GEA-1", "registered", last, at(before, 9), submitted=at(after, 0, 10), registered=at(after, 1))
    # Registered by that day, cancelled after it: still registered by that day.
    stamped(
        "GEII-1",
        "cancelled",
        last,
        at(before, 9),
        submitted=at(before, 10),
        registered=at(before, 11),
        updated=at(after, 9),
    )
    # Given back for a correction after the date: still submitted by that day; given back
    # before it: no longer.
    stamped("GEII-1", "draft", last, at(before, 9), submitted=at(before, 10), updated=at(after, 9))
    stamped("GEII-1", "draft", last, at(before, 9), submitted=at(before, 10), updated=at(before, 12))
    counts.rebuild([year.pk, last.pk])
    return {"today": today, "yesterday": yesterday}


def test_each_day_and_last_year_figure_is_the_count_of_its_list(days, iut_agent, staff_client):
    client = staff_client(iut_agent)
    d = client.get("/gestion/", {"period": "campaign"}).context["dashboard"]
    per_day = {day.day: day for day in d.per_day.days}
    today, yesterday = per_day[days["today"]], per_day[days["yesterday"]]
    # Yesterday: 3 drafts of the dataset, late evening, awaiting, registered, cancelled.
    assert (yesterday.started, yesterday.submitted) == (7, 2)
    # Today: the dataset's 2 registered and 1 submitted, the campaign's rows, early morning.
    assert today.started >= 4 and today.submitted >= 3
    assert today.started_url.endswith(f"started_on={days['today'].isoformat()}")
    c = d.comparison
    # 3 registered, 1 submitted at 23:59, 1 registered then cancelled, 1 given back after the date.
    assert (c.last_year.submitted, c.last_year.registered) == (6, 4)
    assert f"submitted_by={dashboard.same_day_last_year(days['today'])}" in c.last_year.submitted_url
    assert f"year={c.last_year.code}" in c.last_year.submitted_url
    figures = day_figures(d)
    assert len(figures) >= 8
    follow_every_link(client, figures)


def test_each_day_figure_of_the_university_is_the_count_of_its_list(days, administrator, staff_client):
    client = staff_client(administrator)
    d = client.get("/gestion/", {"period": "campaign"}).context["dashboard"]
    figures = day_figures(d)
    follow_every_link(client, figures)


def test_live_counts_of_a_day_are_the_count_of_its_list(demo, demo_candidates, iut_agent, staff_client):
    """Registrations made through the services (the counts kept as they change, not rebuilt):
    submitted, then given back for a correction the same day."""
    from matricule.registration.services import reopen_registration
    from tests.payments.conftest import submitted_registration

    year = demo.current_year
    registration = submitted_registration(demo_candidates["accepted"], year)
    client = staff_client(iut_agent)
    d = client.get("/gestion/").context["dashboard"]
    today = next(day for day in d.per_day.days if day.day == timezone.localdate())
    assert (today.started, today.submitted, d.comparison.this_year.submitted) == (1, 1, 1)
    follow_every_link(client, day_figures(d))
    assert registration.state == "awaiting_payment"
    reopen_registration(registration, actor=iut_agent, reason="Une correction")
    d = client.get("/gestion/").context["dashboard"]
    # Given back: still submitted that day (per day), no longer a form submitted (this year).
    today = next(day for day in d.per_day.days if day.day == timezone.localdate())
    assert (today.submitted, d.comparison.this_year.submitted) == (1, 0)
    follow_every_link(client, day_figures(d))


# --- Payments to check -------------------------------------------------------------------------


def test_each_payment_figure_is_the_count_of_its_list(
    campaign, dataset, iut_agent, administrator, staff_client
):
    registration = dataset["drafts"][0]
    payment(registration, Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.CURRENCY, paid=17800)
    for user, expected in ((iut_agent, (1, 1, 0, 1, 1, 4)), (administrator, (1, 1, 1, 1, 1, 5))):
        client = staff_client(user)
        p = client.get("/gestion/").context["dashboard"].payments
        assert (p.stuck, p.underpaid, p.overpaid, p.duplicate, p.other, p.total) == expected
        follow_every_link(client, payment_figures(client.get("/gestion/").context["dashboard"]))


def test_in_english_every_link_stays_in_english_and_gives_the_same_counts(campaign, iut_agent, staff_client):
    client = staff_client(iut_agent)
    french = linked_figures(client.get("/gestion/").context["dashboard"])
    english = linked_figures(client.get("/en/gestion/").context["dashboard"])
    # The same figures (their labels are translated).
    assert [figure for _what, figure, _url, _compare in english] == [
        figure for _what, figure, _url, _compare in french
    ]
    assert all(url.startswith("/en/gestion/") for _what, _figure, url, _compare in english)
    assert [url.removeprefix("/en") for _what, _figure, url, _compare in english] == [
        url for _what, _figure, url, _compare in french
    ]
    follow_every_link(client, english)
