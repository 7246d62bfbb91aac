"""Registrations counted as they change (`counts.py`): every transition of the services moves
the counts, which always equal a recount of the rows; the path read back from a row's stamps;
increments that do not lose one another; building a year once."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from matricule.institution.models import Stage
from matricule.registration import counts, services
from matricule.registration.models import (
    Registration,
    RegistrationCount,
    RegistrationCountsBuilt,
    State,
    Student,
)

_serial = iter(range(10**6))


def new_registration(year, stage_code="GEII-1", state=State.DRAFT) -> Registration:
    user = get_user_model().objects.create(username=f"count-{next(_serial)}")
    student = Student.objects.create(user=user)
    return Registration.objects.create(
        student=student, academic_year=year, stage=Stage.objects.get(code=stage_code), state=state
    )


def states_now(year) -> dict:
    """{(stage id, state): count} from the counts, the empty cells left out."""
    found = {}
    for stage_id, by_state in counts.year_counts(year.pk, None).by_stage.items():
        for state, n in by_state.items():
            if n:
                found[(stage_id, state)] = n
    return found


def states_of_rows(year) -> dict:
    groups = (
        Registration.objects.filter(academic_year=year).values("stage_id", "state").annotate(n=Count("id"))
    )
    return {(g["stage_id"], g["state"]): g["n"] for g in groups}


@pytest.fixture
def submittable(monkeypatch):
    """Submitting needs no form here: every step complete, and `fees` cents due."""

    def due(fees):
        monkeypatch.setattr(services, "missing_steps", lambda registration: [])
        monkeypatch.setattr(services, "fee_lines", lambda registration: [{"amount_cents": fees}])

    return due


def test_every_transition_moves_the_counts_as_the_rows_move(demo, submittable, outbox):
    year = demo.current_year
    actor = get_user_model().objects.create(username="agent-counts")
    submittable(17800)
    paid, reopened, cancelled, waived = (new_registration(year) for _ in range(4))
    assert states_now(year) == states_of_rows(year)

    for registration in (paid, reopened, cancelled, waived):
        services.submit_registration(registration, actor=actor)
    assert states_now(year) == states_of_rows(year)
    services.mark_paid(paid, actor=actor)
    services.reopen_registration(reopened, actor=actor, reason="Photo floue")
    services.cancel_registration(cancelled, actor=actor, reason="Abandon")
    services.waive_fees(waived, actor=actor)
    services.register(waived, actor=actor)
    submittable(0)
    free = new_registration(year, "GEA-1")
    services.submit_registration(free, actor=actor)  # nothing due: exempt, then registered at once

    rows = states_of_rows(year)
    assert states_now(year) == rows
    geii = Stage.objects.get(code="GEII-1").pk
    assert rows == {
        (geii, "registered"): 2,
        (geii, "draft"): 1,
        (geii, "cancelled"): 1,
        (Stage.objects.get(code="GEA-1").pk, "registered"): 1,
    }
    live = counts.year_counts(year.pk, None)
    assert (live.started, live.submitted, live.registered) == (5, 4, 3)  # reopened: not submitted now
    today = timezone.localdate()
    live_days = counts.per_day(year.pk, None, today, today)

    # A recount from the rows gives the same figures.
    counts.rebuild([year.pk])
    assert states_now(year) == rows
    rebuilt = counts.year_counts(year.pk, None)
    assert (rebuilt.started, rebuilt.submitted, rebuilt.registered) == (5, 4, 3)
    assert counts.per_day(year.pk, None, today, today)[0] == live_days[0] == {today: 5}


def test_deleting_a_registration_takes_it_out(demo):
    registration = new_registration(demo.current_year, state=State.AWAITING_PAYMENT)
    registration.delete()
    assert states_now(demo.current_year) == {}


def test_increments_add_up_on_the_same_row(demo):
    year, stage = demo.current_year, Stage.objects.get(code="GEII-1")
    today = timezone.localdate()
    for _ in range(3):
        counts.add(year.pk, stage.pk, today, "draft", "submitted")
    counts.add(year.pk, stage.pk, today, "draft", "submitted", delta=-1)
    (row,) = RegistrationCount.objects.filter(source="draft", target="submitted")
    assert row.count == 2


def test_a_change_creates_its_row_or_adds_to_it_in_one_statement(demo, django_assert_num_queries):
    """One statement whether the row exists or not: it never fails on a row a concurrent
    transaction inserted meanwhile (no savepoint to take), and a change is never lost."""
    year, stage = demo.current_year, Stage.objects.get(code="GEII-1")
    today = timezone.localdate()
    with django_assert_num_queries(1):
        counts.add(year.pk, stage.pk, today, "", "draft")
    with django_assert_num_queries(1):
        counts.add(year.pk, stage.pk, today, "", "draft", delta=2)
    counts.add(year.pk, stage.pk, today, "draft", "submitted")
    rows = RegistrationCount.objects.filter(academic_year=year, stage=stage, day=today)
    assert sorted(rows.values_list("source", "target", "count")) == [
        ("", "draft", 3),
        ("draft", "submitted", 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_transactions_on_the_same_row_lose_nothing(demo):
    """PostgreSQL: two connections add to the same row at once; both count."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    import threading

    from django.db import close_old_connections, transaction

    year, stage = demo.current_year, Stage.objects.get(code="GEII-1")
    today = timezone.localdate()
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                for _ in range(20):
                    counts.add(year.pk, stage.pk, today, "draft", "submitted")
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RegistrationCount.objects.get(source="draft", target="submitted").count == 40


D = datetime.date(2026, 7, 1)


def days(n):
    return D + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("state", "fee", "expected"),
    [
        ("draft", None, [(D, "", "draft")]),
        (
            "awaiting_payment",
            17800,
            [(D, "", "draft"), (days(1), "draft", "submitted"), (days(1), "submitted", "awaiting_payment")],
        ),
        (
            "registered",
            17800,
            [
                (D, "", "draft"),
                (days(1), "draft", "submitted"),
                (days(1), "submitted", "awaiting_payment"),
                (days(2), "awaiting_payment", "paid"),
                (days(2), "paid", "registered"),
            ],
        ),
        (
            "registered",
            0,
            [
                (D, "", "draft"),
                (days(1), "draft", "submitted"),
                (days(1), "submitted", "exempt"),
                (days(2), "exempt", "registered"),
            ],
        ),
    ],
)
def test_the_path_is_read_from_the_stamps(state, fee, expected):
    registered = days(2) if state == "registered" else None
    submitted = days(1) if state != "draft" else None
    assert counts.path(state, fee, D, submitted, registered, None, days(3)) == expected


def test_a_cancelled_registration_leaves_the_last_state_its_stamps_show():
    assert counts.path("cancelled", None, D, None, None, days(4), days(5))[-1] == (
        days(4),
        "draft",
        "cancelled",
    )
    assert counts.path("cancelled", 100, D, days(1), None, None, days(5))[-1] == (
        days(5),
        "awaiting_payment",
        "cancelled",
    )
    assert counts.path("cancelled", 100, D, days(1), days(2), days(3), days(5))[-1] == (
        days(3),
        "registered",
        "cancelled",
    )


def test_a_draft_given_back_went_through_submission_and_back():
    steps = counts.path("draft", 100, D, days(1), None, None, days(2))
    assert steps[-1] == (days(2), "awaiting_payment", "draft")
    net = {}
    for _day, source, target in steps:
        net[target] = net.get(target, 0) + 1
        net[source] = net.get(source, 0) - 1
    assert {state: n for state, n in net.items() if n and state} == {"draft": 1}


def test_a_year_is_built_once_from_its_rows(demo, django_assert_num_queries):
    year = demo.current_year
    Registration.objects.bulk_create(
        [
            Registration(
                student=Student.objects.create(user=get_user_model().objects.create(username=f"bulk-{n}")),
                academic_year=year,
                stage=Stage.objects.get(code="GEA-1"),
                state=State.SUBMITTED,
                submitted_at=timezone.now(),
            )
            for n in range(3)
        ]
    )
    assert states_now(year) != states_of_rows(year)  # bulk writes bypass the counting
    counts.ensure_built([year.pk])
    assert states_now(year) == states_of_rows(year)
    assert RegistrationCountsBuilt.objects.filter(academic_year=year).exists()
    with django_assert_num_queries(1):
        counts.ensure_built([year.pk])
    before = list(
        RegistrationCount.objects.order_by("pk").values("stage_id", "day", "source", "target", "count")
    )
    counts.rebuild([year.pk])  # idempotent
    after = list(
        RegistrationCount.objects.order_by("pk").values("stage_id", "day", "source", "target", "count")
    )
    assert sorted(map(str, before)) == sorted(map(str, after))


def test_counts_until_a_day_and_whether_the_year_has_any(demo):
    year = demo.current_year
    stage = Stage.objects.get(code="GEII-1")
    counts.add(year.pk, stage.pk, D, "", "draft")
    counts.add(year.pk, stage.pk, days(2), "draft", "submitted")
    then = counts.counts_until(year.pk, [stage.pk], days(1))
    assert then.anything and (then.started, then.submitted) == (1, 0)
    assert counts.counts_until(year.pk, [stage.pk], days(2)).submitted == 1
    assert not counts.counts_until(year.pk, [], days(2)).anything
