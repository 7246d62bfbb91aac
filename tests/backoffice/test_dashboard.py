"""The dashboard's figures on a small dataset, its scoping, and its cost on a large component."""

import datetime

import pytest
from django.utils import timezone

from matricule.backoffice import dashboard
from matricule.documents.models import DocumentType, Submission
from matricule.institution.models import AcademicYear, Component
from matricule.payments.models import Payment

from .conftest import make_registrations


def payment(registration, status, *, anomaly="", created_at=None, paid=None):
    row = Payment.objects.create(
        registration=registration,
        reference=f"T{Payment.objects.count() + 1:08d}",
        gateway="simulator",
        amount_cents=17800,
        paid_cents=paid,
        status=status,
        anomaly=anomaly,
        fee_key=f"test-{registration.pk}-{Payment.objects.count()}",
    )
    if created_at is not None:
        Payment.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


@pytest.fixture
def dataset(demo, days_ago, now):
    """IUT de Chartres: GEII-1 with 3 drafts started yesterday and 2 registered started today,
    GEA-1 with 1 submitted; IUT d'Orléans: INFO-1 with 4 registered; last year: 1 GEII-1."""
    year = demo.current_year
    today_noon = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    yesterday_noon = today_noon - datetime.timedelta(days=1)
    drafts = make_registrations("GEII-1", 3, "draft", year, created_at=yesterday_noon)
    registered = make_registrations(
        "GEII-1", 2, "registered", year, created_at=today_noon, submitted_at=today_noon
    )
    submitted = make_registrations(
        "GEA-1", 1, "submitted", year, created_at=today_noon, submitted_at=today_noon
    )
    orleans = make_registrations(
        "INFO-1", 4, "registered", year, created_at=today_noon, submitted_at=today_noon
    )
    make_registrations("GEII-1", 1, "registered", AcademicYear.objects.get(code="2024-2025"))
    identity = DocumentType.objects.get(code="identity")
    oldest = days_ago(3)
    Submission.objects.create(
        registration=registered[0], document_type=identity, status="submitted", submitted_at=oldest
    )
    Submission.objects.create(
        registration=registered[1], document_type=identity, status="submitted", submitted_at=days_ago(1)
    )
    Submission.objects.create(
        registration=registered[1],
        document_type=DocumentType.objects.get(code="photo"),
        status="validated",
        submitted_at=days_ago(2),
    )
    Submission.objects.create(
        registration=orleans[0], document_type=identity, status="submitted", submitted_at=days_ago(5)
    )
    stuck_at = now - datetime.timedelta(hours=2)
    payment(submitted[0], Payment.Status.PENDING, created_at=stuck_at)  # stuck
    payment(submitted[0], Payment.Status.PENDING, created_at=now - datetime.timedelta(minutes=5))  # recent
    payment(registered[0], Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.UNDERPAID, paid=10000)
    payment(registered[1], Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.DUPLICATE, paid=17800)
    payment(registered[1], Payment.Status.CONFIRMED, paid=17800)
    payment(orleans[0], Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.OVERPAID, paid=20000)
    return {
        "oldest_document": oldest,
        "stuck_at": stuck_at,
        "today": today_noon.date(),
        "yesterday": yesterday_noon.date(),
        "drafts": drafts,
    }


def _counts(table):
    """{stage code: {state: count}} of the non-zero cells."""
    states = [value for value, _label in table.states]
    return {
        row.code: {state: count for state, count in zip(states, row.counts, strict=True) if count}
        for row in table.rows
    }


def test_agent_sees_the_figures_of_their_component(dataset, iut_agent):
    figures = dashboard.build_dashboard(iut_agent)

    assert _counts(figures.by_stage) == {"GEII-1": {"draft": 3, "registered": 2}, "GEA-1": {"submitted": 1}}
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
    assert len(whole.days) == 61
    assert whole.whole_campaign
    assert whole.campaign_start == timezone.localdate(window.opens_at)


def test_the_page_renders_in_french(dataset, iut_agent, staff_client):
    response = staff_client(iut_agent).get("/gestion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tableau de bord" in html
    assert "<svg" in html and 'role="img"' in html
    assert "url(#pattern-hatched)" in html  # the second series is told apart by its pattern
    assert "IUT de Chartres" in html
    assert "<table" in html and 'scope="col"' in html
    assert "Paiements à vérifier" in html


def test_the_page_is_for_staff_only(demo, client, django_user_model):
    student = django_user_model.objects.create_user(username="not-staff")
    client.force_login(student)
    assert client.get("/gestion/").status_code == 404


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
    with django_assert_max_num_queries(16):
        response = client.get("/gestion/")
    assert response.status_code == 200
    figures = dashboard.build_dashboard(iut_agent)
    assert figures.by_stage.total == 20_500
    assert figures.documents.count == 5000
    assert figures.payments.underpaid == 60


def test_the_page_in_english_keeps_english_links(dataset, iut_agent, staff_client):
    html = staff_client(iut_agent).get("/en/gestion/").content.decode()
    assert "<h1>Dashboard" in html
    assert 'href="/en/gestion/pieces/"' in html
    assert 'href="/en/gestion/" aria-current="page"' in html


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(demo, client):
    response = client.get("/gestion/")
    assert response.status_code == 302
    assert response["Location"].startswith("/gestion/connexion/")
