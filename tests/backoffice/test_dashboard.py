"""The dashboard's figures (`dashboard.py`) on a small dataset (`dataset`, in conftest.py), its
scoping, and its cost on a large component. The page itself: test_views.py."""

import datetime
import html

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matricule.backoffice import dashboard
from matricule.backoffice.models import DashboardSummary
from matricule.documents.models import DocumentType, Submission
from matricule.institution.models import AcademicYear, Component, Stage
from matricule.payments.models import Payment
from matricule.registration.models import Registration

from .conftest import make_registrations


def build(user, **kwargs):
    """The dashboard as a warm system shows it: with the summary the task queue stores."""
    year = AcademicYear.objects.current()
    dashboard.refresh_snapshot(year.pk if year else None)
    return dashboard.build_dashboard(user, **kwargs)


def _counts(table):
    """{stage code: {state: count}} of the non-zero cells."""
    states = [value for value, _label in table.states]
    return {
        row.code: {state: count for state, count in zip(states, row.counts, strict=True) if count}
        for row in table.rows
    }


def test_agent_sees_the_figures_of_their_component(dataset, iut_agent):
    figures = build(iut_agent)

    assert _counts(figures.by_stage) == {
        "GEII-1": {"draft": 3, "registered": 2},
        "GEA-1": {"submitted": 1},
        "GMP-1": {},  # admitted candidates, none started yet
    }
    # Admitted through Parcoursup (the demo's candidates) against registered, per stage.
    shares = {row.code: (row.admitted, row.registered, row.registered_share) for row in figures.by_stage.rows}
    assert shares == {"GEII-1": (2, 2, 100), "GEA-1": (2, 0, 0), "GMP-1": (1, 0, 0)}
    assert (figures.by_stage.admitted, figures.by_stage.registered, figures.by_stage.registered_share) == (
        5,
        2,
        40,
    )
    # Money taken this year in the component (held payments included), nothing refunded yet.
    assert figures.money.collected_cents == 10000 + 17800 + 17800
    assert figures.money.refunded_cents == 0
    assert figures.by_stage.total == 6
    assert sum(figures.by_stage.totals) == 6
    assert figures.documents.count == 2
    assert figures.documents.oldest_at == dataset["oldest_document"]
    payments = figures.payments
    assert (payments.stuck, payments.underpaid, payments.overpaid, payments.duplicate, payments.other) == (
        1,
        1,
        0,
        1,
        0,
    )
    assert payments.oldest_stuck_at == dataset["stuck_at"]
    assert [p.status for p in payments.rows].count(Payment.Status.PENDING) == 1
    assert len(payments.rows) == 3
    assert figures.components.options == []  # one component: no selector
    assert figures.components.ids == {Component.objects.get(code="iut-chartres").pk}


def test_per_day_counts_started_and_submitted(dataset, iut_agent):
    per_day = build(iut_agent).per_day
    by_day = {day.day: (day.started, day.submitted) for day in per_day.days}

    assert by_day[dataset["yesterday"]] == (3, 0)
    assert by_day[dataset["today"]] == (3, 3)
    assert per_day.days[-1].day == dataset["today"]
    assert (per_day.started_total, per_day.submitted_total) == (6, 3)
    # The chart draws every day with its values written next to the bars.
    assert len(per_day.chart.rows) == len(per_day.days)
    today_row = per_day.chart.rows[-1]
    assert [bar.value for bar in today_row.bars] == [3, 3]
    assert [bar.pattern for bar in today_row.bars] == ["solid", "hatched"]
    longest = max(bar.width for row in per_day.chart.rows for bar in row.bars)
    assert all(bar.width == longest for bar in today_row.bars)


def test_administrator_sees_everything_and_can_narrow(dataset, administrator):
    everything = build(administrator)
    assert everything.components.everything
    assert everything.by_stage.total == 10
    assert everything.documents.count == 3
    assert everything.payments.overpaid == 1
    every_code = set(Component.objects.values_list("code", flat=True))
    assert {c.code for c in everything.components.options} == every_code

    orleans = Component.objects.get(code="iut-orleans")
    narrowed = build(administrator, component=str(orleans.pk))
    assert narrowed.components.selected == orleans
    assert _counts(narrowed.by_stage) == {"INFO-1": {"registered": 4}}
    assert (narrowed.documents.count, narrowed.payments.total) == (1, 1)


def test_agent_cannot_choose_another_component(dataset, iut_agent):
    orleans = Component.objects.get(code="iut-orleans")
    figures = build(iut_agent, component=str(orleans.pk))
    assert figures.components.selected is None
    assert figures.by_stage.total == 6


def test_agent_of_several_components_gets_a_selector(dataset, iut_agent):
    from matricule.accounts.models import ComponentMembership

    orleans = Component.objects.get(code="iut-orleans")
    ComponentMembership.objects.create(user=iut_agent, component=orleans)
    iut_agent.refresh_from_db()
    both = build(iut_agent)
    assert {c.code for c in both.components.options} == {"iut-chartres", "iut-orleans"}
    assert both.by_stage.total == 10
    assert build(iut_agent, component=str(orleans.pk)).by_stage.total == 4


def test_requests_waiting(dataset, iut_agent, other_agent):
    from matricule.requests.models import Request

    registration = dataset["drafts"][0]
    Request.objects.create(student=registration.student, registration=registration, kind="address_change")
    Request.objects.create(
        student=registration.student,
        registration=registration,
        kind="card_reissue",
        state="in_review",
        assigned_to=iut_agent,
    )
    Request.objects.create(
        student=registration.student, registration=registration, kind="fee_refund", state="withdrawn"
    )
    waiting = build(iut_agent).requests
    assert (waiting.submitted, waiting.in_review) == (1, 1)
    assert waiting.oldest_at is not None
    assert build(other_agent).requests.count == 0


def test_long_campaign_shows_the_last_weeks_unless_asked(dataset, iut_agent):
    from matricule.institution.models import RegistrationWindow

    year = AcademicYear.objects.current()
    window = RegistrationWindow.objects.filter(academic_year=year).order_by("opens_at").first()
    window.opens_at = timezone.now() - datetime.timedelta(days=60)
    window.save()
    recent = build(iut_agent).per_day
    assert len(recent.days) == dashboard.RECENT_DAYS
    assert recent.long_campaign and not recent.whole_campaign
    whole = build(iut_agent, whole_campaign=True).per_day
    # 61 days in local dates: 60 × 24 h before now can be 59 or 60 calendar days back across a
    # change of summer time near midnight, so count them as the chart does.
    assert len(whole.days) == (timezone.localdate() - timezone.localdate(window.opens_at)).days + 1
    assert whole.whole_campaign
    assert whole.campaign_start == timezone.localdate(window.opens_at)


def test_a_large_component_costs_a_bounded_number_of_queries(
    demo, iut_agent, staff_client, django_assert_max_num_queries
):
    year = demo.current_year
    registrations = make_registrations("GEII-1", 20_000, "registered", year, submitted_at=timezone.now())
    make_registrations("GEA-1", 500, "draft", year)
    identity = DocumentType.objects.get(code="identity")
    Submission.objects.bulk_create(
        [
            Submission(
                registration=r, document_type=identity, status="submitted", submitted_at=timezone.now()
            )
            for r in registrations[:5000]
        ],
        batch_size=2000,
    )
    Payment.objects.bulk_create(
        [
            Payment(
                registration=r,
                reference=f"BIG{n:08d}",
                gateway="simulator",
                amount_cents=17800,
                status=Payment.Status.PENDING if n % 50 else Payment.Status.TO_REVIEW,
                anomaly="" if n % 50 else Payment.Anomaly.UNDERPAID,
                fee_key=f"big-{n}",
            )
            for n, r in enumerate(registrations[:3000])
        ],
        batch_size=2000,
    )
    call_command("rebuild_counts", verbosity=0)  # as after any bulk import
    client = staff_client(iut_agent)
    dashboard.refresh_snapshot(year.pk)  # the summary of documents and money, by the task queue
    with django_assert_max_num_queries(20):
        response = client.get("/gestion/")
    assert response.status_code == 200
    figures = build(iut_agent)
    assert figures.by_stage.total == 20_500
    assert figures.documents.count == 5000
    assert figures.payments.underpaid == 60


def _queries_of_the_page(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/gestion/").status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_page_costs_the_same_queries_at_10_and_at_200_registrations(
    demo, iut_agent, staff_client, settings
):
    """The registrations are read from their counts, the rest from the snapshot: the same
    statements whatever their number (the snapshot is refreshed by the task queue)."""
    year = demo.current_year
    client = staff_client(iut_agent)
    make_registrations("GEII-1", 10, "registered", year, submitted_at=timezone.now())
    call_command("rebuild_counts", verbosity=0)
    dashboard.refresh_snapshot(year.pk)
    client.get("/gestion/")  # warm-up: what each process reads once (the university)
    small = _queries_of_the_page(client)
    make_registrations("GEII-1", 150, "registered", year, submitted_at=timezone.now())
    make_registrations("GEA-1", 40, "draft", year)
    call_command("rebuild_counts", verbosity=0)
    dashboard.refresh_snapshot(year.pk)
    large = _queries_of_the_page(client)
    assert len(small) == len(large)
    assert build(iut_agent).by_stage.total == 200


def test_the_funnel_per_stage_and_its_links(dataset, iut_agent):
    year = AcademicYear.objects.current()
    geii = Stage.objects.get(code="GEII-1")
    # One of the two registered in GEII-1 gets every document validated.
    registered = Registration.objects.filter(stage=geii, academic_year=year, state="registered")
    complete, incomplete = registered.order_by("pk")
    Submission.objects.filter(registration=complete).update(status="validated")

    table = build(iut_agent).by_stage

    funnels = {row.code: row.funnel for row in table.rows}
    # admitted, started, submitted, registered, documents complete
    assert funnels == {"GEII-1": [2, 5, 2, 2, 1], "GEA-1": [2, 1, 1, 0, 0], "GMP-1": [1, 0, 0, 0, 0]}
    assert table.funnel == [5, 6, 3, 2, 1]
    # Admitted for good, online, with no registration: Chloé (GEII-1) and Inès (GEA-1); Nadia
    # (GMP-1) registers at her office, Moussa keeps other wishes.
    assert {row.code: row.not_started for row in table.rows} == {"GEII-1": 1, "GEA-1": 1, "GMP-1": 0}
    row = next(row for row in table.rows if row.code == "GEII-1")
    prefix = f"/gestion/inscriptions/?year={year.code}&stage={geii.pk}"
    assert row.url == prefix
    assert row.links == {
        "admitted": f"{prefix}&progress=admitted",
        "not_started": f"{prefix}&progress=not_started",
        "started": f"{prefix}&progress=started",
        "submitted": f"{prefix}&progress=past_submission",
        "registered": f"{prefix}&state=registered",
        "documents_complete": f"{prefix}&progress=documents_complete",
    }
    by_state = {value: cell for (value, _label), cell in zip(table.states, row.cells, strict=True)}
    assert by_state["draft"].count == 3
    assert by_state["draft"].url == f"{prefix}&state=draft"
    assert by_state["paid"].url == f"{prefix}&state=paid"
    assert table.funnel_chart.rows[0].bars[0].value == 5
    assert [r.bars[0].value for r in table.funnel_chart.rows] == table.funnel


def test_links_keep_the_chosen_component(dataset, administrator):
    orleans = Component.objects.get(code="iut-orleans")
    figures = build(administrator, component=str(orleans.pk))
    (row,) = figures.by_stage.rows
    assert f"component={orleans.pk}" in row.url
    assert all(f"component={orleans.pk}" in url for url in row.links.values())
    assert f"component={orleans.pk}" in figures.money.awaiting_url
    assert "progress=awaiting_payment" in figures.money.awaiting_url
    assert all(f"component={orleans.pk}" in group.url for group in figures.documents.ages)


def test_documents_waiting_by_age(dataset, iut_agent, administrator, days_ago):
    registration = Registration.objects.get(
        stage__code="GEA-1", academic_year=AcademicYear.objects.current(), state="submitted"
    )
    identity = DocumentType.objects.get(code="identity")
    Submission.objects.create(
        registration=registration, document_type=identity, status="submitted", submitted_at=days_ago(0, 2)
    )
    Submission.objects.create(
        registration=registration,
        document_type=DocumentType.objects.get(code="photo"),
        status="submitted",
        submitted_at=days_ago(10),
    )
    Registration.objects.filter(pk=registration.pk).update(state="awaiting_payment")
    documents = build(iut_agent).documents
    # Files with documents waiting, every year: the review queue's count.
    assert documents.count == 3
    assert documents.url == "/gestion/pieces/"
    # Files, by their oldest document: GEII-1's two registered (3 days, 1 day; see the `dataset`
    # fixture) and GEA-1's, whose oldest has waited 10 days.
    assert [group.count for group in documents.ages] == [0, 1, 1, 1]
    assert documents.files == 3
    assert documents.ages[3].url.endswith("progress=documents_waiting&waiting=over_7_days")
    assert 'role="img"' in documents.svg and "<desc" in documents.svg
    everything = build(administrator).documents
    assert [group.count for group in everything.ages] == [0, 1, 2, 1]  # Orléans: 5 days


class FakeTask:
    """Stands for the refresh task: records what is enqueued."""

    def __init__(self):
        self.queued = []

    def enqueue(self, *args):
        self.queued.append(args)


def test_the_summary_is_refreshed_through_the_task_queue_once_stale(
    dataset, iut_agent, settings, monkeypatch, django_capture_on_commit_callbacks
):
    task = FakeTask()
    monkeypatch.setattr(dashboard, "refresh_dashboard_summary", task)
    year = AcademicYear.objects.current()
    with django_capture_on_commit_callbacks(execute=True):
        first = build(iut_agent)
        assert task.queued == []  # fresh: nothing asked
        assert dashboard.build_dashboard(iut_agent).snapshot_at == first.snapshot_at
        settings.MATRICULE_DASHBOARD_SNAPSHOT_SECONDS = 0
        dashboard.build_dashboard(iut_agent)
        stale = dashboard.build_dashboard(iut_agent)
    assert task.queued == [(year.pk,)]  # once, until the task has run
    assert stale.snapshot_at == first.snapshot_at  # the last one shown meanwhile, with its time
    dashboard.refresh_snapshot(year.pk)  # what the task does
    with django_capture_on_commit_callbacks(execute=True):
        assert dashboard.build_dashboard(iut_agent).snapshot_at > first.snapshot_at
    assert len(task.queued) == 2  # stale again (0 s): asked again, once the last one was done


def test_a_refresh_asked_long_ago_and_never_done_is_asked_again(
    dataset, iut_agent, monkeypatch, django_capture_on_commit_callbacks
):
    task = FakeTask()
    monkeypatch.setattr(dashboard, "refresh_dashboard_summary", task)
    with django_capture_on_commit_callbacks(execute=True):
        dashboard.build_dashboard(iut_agent)
        DashboardSummary.objects.update(
            queued_at=timezone.now() - datetime.timedelta(seconds=dashboard.REFRESH_LEASE_SECONDS + 1)
        )
        dashboard.build_dashboard(iut_agent)
        dashboard.build_dashboard(iut_agent)
    assert len(task.queued) == 2  # no worker took the first: asked again after the lease, once


def test_a_cold_summary_is_never_computed_on_the_request_path(
    dataset, iut_agent, staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    """No summary stored yet (a new installation, a new year): the page says it is being
    computed, asks the task queue once, and reads none of the rows the summary adds up."""
    task = FakeTask()
    monkeypatch.setattr(dashboard, "refresh_dashboard_summary", task)
    computed = []
    monkeypatch.setattr(dashboard, "compute_snapshot", lambda *args, **kwargs: computed.append(args))
    year = AcademicYear.objects.current()
    client = staff_client(iut_agent)
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            response = client.get("/en/gestion/")
        assert response.status_code == 200
        content = response.content.decode()
        assert "being computed" in html.unescape(content)
        scans = [
            q["sql"]
            for q in queries.captured_queries
            if "documents_submission" in q["sql"] or "admissions_candidate" in q["sql"]
        ]
        assert scans == []
    assert computed == []
    assert task.queued == [(year.pk,)]  # one task for three page views
    # The registrations, read from their kept counts, show meanwhile.
    assert response.context["dashboard"].by_stage.total == 6
    assert response.context["dashboard"].money is None


def test_after_the_task_has_run_the_figures_show(
    dataset, iut_agent, staff_client, immediate_tasks, django_capture_on_commit_callbacks
):
    client = staff_client(iut_agent)
    with django_capture_on_commit_callbacks(execute=True):
        cold = client.get("/gestion/")  # asks the task queue, which runs it at once here
    assert cold.context["dashboard"].money is None
    warm = client.get("/en/gestion/")
    figures = warm.context["dashboard"]
    assert figures.summary_ready and figures.money.collected_cents == 10000 + 17800 + 17800
    content = html.unescape(warm.content.decode())
    assert "being computed" not in content
    moment = timezone.localtime(figures.snapshot_at).strftime("%H:%M")
    assert f"computed at {moment}" in content


def test_the_page_in_english_and_in_french(dataset, iut_agent, staff_client):
    client = staff_client(iut_agent)
    dashboard.refresh_snapshot(AcademicYear.objects.current().pk)
    french = client.get("/gestion/").content.decode()
    assert 'id="funnel-chart-title"' in french and 'id="documents-age-chart-title"' in french
    assert 'href="/gestion/inscriptions/?year=' in french
    assert 'viewBox="0 0 ' in french and 'width="100%"' in french
    assert "De l'admission aux pièces complètes" in html.unescape(french)
    english = client.get("/en/gestion/").content.decode()
    assert "From admission to complete documents" in english
    assert "Documents complete" in english
    assert "More than 7 days" in english


def test_money_counts_refunds_what_is_owed_and_who_owes_nothing(demo, iut_agent):
    year = demo.current_year
    paid, refunded = make_registrations("GEII-1", 2, "registered", year)
    awaiting = make_registrations("GEII-1", 3, "awaiting_payment", year)
    exempt = make_registrations("GEA-1", 2, "registered", year)
    waived = make_registrations("GEA-1", 1, "exempt", year)
    Registration.objects.filter(pk__in=[r.pk for r in awaiting]).update(fee_total_cents=17800)
    Registration.objects.filter(pk__in=[r.pk for r in exempt + waived]).update(fee_total_cents=0)
    for n, (registration, status, refund) in enumerate(
        [(paid, Payment.Status.CONFIRMED, 0), (refunded, Payment.Status.PARTLY_REFUNDED, 5000)]
    ):
        Payment.objects.create(
            registration=registration,
            reference=f"MONEY{n}",
            gateway="simulator",
            amount_cents=17800,
            paid_cents=17800,
            refunded_cents=refund,
            status=status,
            fee_key=f"money-{n}",
        )
    # Neither a refused attempt nor another year's payment is money of this year.
    Payment.objects.create(
        registration=awaiting[0],
        reference="MONEYFAILED",
        gateway="simulator",
        amount_cents=17800,
        paid_cents=None,
        status=Payment.Status.FAILED,
        fee_key="money-failed",
    )
    (last_year,) = make_registrations("GEII-1", 1, "registered", AcademicYear.objects.get(code="2024-2025"))
    Payment.objects.create(
        registration=last_year,
        reference="MONEYLAST",
        gateway="simulator",
        amount_cents=17000,
        paid_cents=17000,
        status=Payment.Status.CONFIRMED,
        fee_key="money-last",
    )

    money = build(iut_agent).money

    assert (money.collected_cents, money.refunded_cents, money.net_cents) == (35600, 5000, 30600)
    assert (money.awaiting, money.awaiting_cents) == (3, 3 * 17800)
    assert money.exempt == 3


def test_this_year_against_last_year_at_the_same_date(demo, iut_agent):
    year = demo.current_year
    last = AcademicYear.objects.get(code=dashboard.previous_code(year.code))
    today = timezone.localdate()
    same_day = dashboard.same_day_last_year(today)

    def at(day, hour=12):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    make_registrations("GEII-1", 4, "submitted", year, submitted_at=at(today))
    before = make_registrations("GEII-1", 6, "registered", last, submitted_at=at(same_day, 8))
    Registration.objects.filter(pk__in=[r.pk for r in before[:5]]).update(registered_at=at(same_day, 9))
    # Registered later in last year's campaign: not yet at this date last year.
    Registration.objects.filter(pk=before[5].pk).update(
        registered_at=at(same_day + datetime.timedelta(days=3))
    )
    make_registrations(
        "GEII-1", 2, "registered", last, submitted_at=at(same_day + datetime.timedelta(days=1))
    )

    comparison = build(iut_agent).comparison

    assert comparison.same_day == same_day
    assert (comparison.this_year.submitted, comparison.this_year.registered) == (4, 0)
    assert comparison.last_year.code == last.code
    assert (comparison.last_year.submitted, comparison.last_year.registered) == (6, 5)
    assert (comparison.submitted_change, comparison.registered_change) == (-2, -5)


def test_the_same_date_last_year_of_a_29_february():
    assert dashboard.same_day_last_year(datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)


def test_no_comparison_without_last_year(demo, iut_agent):
    last = dashboard.previous_code(demo.current_year.code)
    make_registrations("GEII-1", 1, "registered", AcademicYear.objects.get(code=last))
    assert build(iut_agent).comparison.last_year.code == last
    AcademicYear.objects.filter(code=last).update(code="2019-2020")
    comparison = build(iut_agent).comparison
    assert comparison.last_year is None
    assert comparison.submitted_change is None
