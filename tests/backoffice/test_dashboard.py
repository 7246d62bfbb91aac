"""The dashboard's figures (`dashboard.py`) on a small dataset (`dataset`, in conftest.py), its
scoping, and its cost on a large component. The page itself: test_views.py."""

import datetime

from django.utils import timezone

from matricule.backoffice import dashboard
from matricule.documents.models import DocumentType, Submission
from matricule.institution.models import AcademicYear, Component
from matricule.payments.models import Payment
from matricule.registration.models import Registration

from .conftest import make_registrations


def _counts(table):
    """{stage code: {state: count}} of the non-zero cells."""
    states = [value for value, _label in table.states]
    return {
        row.code: {state: count for state, count in zip(states, row.counts, strict=True) if count}
        for row in table.rows
    }


def test_agent_sees_the_figures_of_their_component(dataset, iut_agent):
    figures = dashboard.build_dashboard(iut_agent)

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
    per_day = dashboard.build_dashboard(iut_agent).per_day
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
    everything = dashboard.build_dashboard(administrator)
    assert everything.components.everything
    assert everything.by_stage.total == 10
    assert everything.documents.count == 3
    assert everything.payments.overpaid == 1
    every_code = set(Component.objects.values_list("code", flat=True))
    assert {c.code for c in everything.components.options} == every_code

    orleans = Component.objects.get(code="iut-orleans")
    narrowed = dashboard.build_dashboard(administrator, component=str(orleans.pk))
    assert narrowed.components.selected == orleans
    assert _counts(narrowed.by_stage) == {"INFO-1": {"registered": 4}}
    assert (narrowed.documents.count, narrowed.payments.total) == (1, 1)


def test_agent_cannot_choose_another_component(dataset, iut_agent):
    orleans = Component.objects.get(code="iut-orleans")
    figures = dashboard.build_dashboard(iut_agent, component=str(orleans.pk))
    assert figures.components.selected is None
    assert figures.by_stage.total == 6


def test_agent_of_several_components_gets_a_selector(dataset, iut_agent):
    from matricule.accounts.models import ComponentMembership

    orleans = Component.objects.get(code="iut-orleans")
    ComponentMembership.objects.create(user=iut_agent, component=orleans)
    iut_agent.refresh_from_db()
    both = dashboard.build_dashboard(iut_agent)
    assert {c.code for c in both.components.options} == {"iut-chartres", "iut-orleans"}
    assert both.by_stage.total == 10
    assert dashboard.build_dashboard(iut_agent, component=str(orleans.pk)).by_stage.total == 4


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
    waiting = dashboard.build_dashboard(iut_agent).requests
    assert (waiting.submitted, waiting.in_review) == (1, 1)
    assert waiting.oldest_at is not None
    assert dashboard.build_dashboard(other_agent).requests.count == 0


def test_long_campaign_shows_the_last_weeks_unless_asked(dataset, iut_agent):
    from matricule.institution.models import RegistrationWindow

    year = AcademicYear.objects.current()
    window = RegistrationWindow.objects.filter(academic_year=year).order_by("opens_at").first()
    window.opens_at = timezone.now() - datetime.timedelta(days=60)
    window.save()
    recent = dashboard.build_dashboard(iut_agent).per_day
    assert len(recent.days) == dashboard.RECENT_DAYS
    assert recent.long_campaign and not recent.whole_campaign
    whole = dashboard.build_dashboard(iut_agent, whole_campaign=True).per_day
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
    client = staff_client(iut_agent)
    # Four of them: the admitted per stage, the money, this year's and last year's campaigns.
    with django_assert_max_num_queries(20):
        response = client.get("/gestion/")
    assert response.status_code == 200
    figures = dashboard.build_dashboard(iut_agent)
    assert figures.by_stage.total == 20_500
    assert figures.documents.count == 5000
    assert figures.payments.underpaid == 60


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

    money = dashboard.build_dashboard(iut_agent).money

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

    comparison = dashboard.build_dashboard(iut_agent).comparison

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
    assert dashboard.build_dashboard(iut_agent).comparison.last_year.code == last
    AcademicYear.objects.filter(code=last).update(code="2019-2020")
    comparison = dashboard.build_dashboard(iut_agent).comparison
    assert comparison.last_year is None
    assert comparison.submitted_change is None
