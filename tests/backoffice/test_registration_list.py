"""The registrations list's query (registration_list.py): each progress, scope, sort, bad values."""

import pytest

from matricule.admissions.models import Candidate
from matricule.backoffice import registration_list
from matricule.documents.models import DocumentType, Submission
from matricule.institution.models import Component, Stage
from matricule.registration.models import Registration
from tests.backoffice.conftest import make_registrations


def filters_for(user, **params):
    form, filters = registration_list.parse(params, user)
    assert filters is not None, form.errors
    return filters


def last_names(user, **params):
    return [row.student.last_name for row in registration_list.people(filters_for(user, **params), user)]


@pytest.fixture
def campaign(demo):
    """One IUT de Chartres registration per state, named after it; documents on the registered
    ones: MISSING lacks one, REFUSED had one refused, WAITING has one to review."""
    year = demo.current_year
    rows = {}
    for state in ("draft", "submitted", "awaiting_payment", "paid", "registered", "cancelled"):
        rows[state] = make_registrations("GEII-1", 1, state, year, last_name=state.upper())[0]
    for name, status in (("MISSING", "missing"), ("REFUSED", "refused"), ("WAITING", "submitted")):
        registration = make_registrations("GEA-1", 1, "registered", year, last_name=name)[0]
        Submission.objects.create(
            registration=registration, document_type=DocumentType.objects.get(code="identity"), status=status
        )
        rows[name] = registration
    rows["orleans"] = make_registrations("INFO-1", 1, "draft", year, last_name="ORLEANS")[0]
    return rows


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        ("draft", ["DRAFT"]),
        ("submitted", ["SUBMITTED"]),
        ("awaiting_payment", ["AWAITING_PAYMENT"]),
        ("registered", ["MISSING", "PAID", "REFUSED", "REGISTERED", "WAITING"]),
        ("documents_missing", ["MISSING"]),
        ("documents_refused", ["REFUSED"]),
        ("documents_waiting", ["WAITING"]),
        ("cancelled", ["CANCELLED"]),
        (
            "started",
            ["AWAITING_PAYMENT", "DRAFT", "MISSING", "PAID", "REFUSED", "REGISTERED", "SUBMITTED", "WAITING"],
        ),
        (
            "past_submission",
            ["AWAITING_PAYMENT", "MISSING", "PAID", "REFUSED", "REGISTERED", "SUBMITTED", "WAITING"],
        ),
        ("documents_complete", ["REGISTERED"]),  # no document short of validated
    ],
)
def test_each_progress_of_a_registration(campaign, iut_agent, progress, expected):
    assert last_names(iut_agent, progress=progress) == expected


@pytest.mark.parametrize(
    "state", ["draft", "submitted", "awaiting_payment", "paid", "registered", "cancelled"]
)
def test_each_state_exactly(campaign, iut_agent, state):
    expected = [state.upper()] + (["MISSING", "REFUSED", "WAITING"] if state == "registered" else [])
    assert last_names(iut_agent, state=state) == sorted(expected)
    assert last_names(iut_agent, state="exempt") == []
    # With a progress, both apply.
    assert last_names(iut_agent, state=state, progress="documents_waiting") == (
        ["WAITING"] if state == "registered" else []
    )


def test_admitted_lists_every_admitted_candidate_started_or_not(campaign, demo_candidates, iut_agent):
    campaign["draft"].candidate = demo_candidates["accepted"]
    campaign["draft"].save(update_fields=["candidate"])
    filters = filters_for(iut_agent, progress="admitted")
    rows = list(registration_list.people(filters, iut_agent))
    assert demo_candidates["accepted"] in rows  # started: still admitted
    assert demo_candidates["continuing_education"] in rows and all(row.stage_id for row in rows)
    assert filters.params() == {"year": filters.year.code, "progress": "admitted"}


def test_money_lists_and_their_sums(campaign, iut_agent):
    from matricule.payments.models import Payment

    def pay(registration, status, paid, refunded=0):
        Payment.objects.create(
            registration=registration,
            reference=f"SUM-{registration.pk}-{status}",
            gateway="simulator",
            amount_cents=17800,
            paid_cents=paid,
            refunded_cents=refunded,
            status=status,
            fee_key=f"sum-{registration.pk}-{status}",
        )

    pay(campaign["paid"], Payment.Status.CONFIRMED, 17800)
    pay(campaign["registered"], Payment.Status.PARTLY_REFUNDED, 17800, 5000)
    pay(campaign["awaiting_payment"], Payment.Status.FAILED, None)  # no money taken
    assert last_names(iut_agent, progress="money_collected") == ["PAID", "REGISTERED"]
    assert last_names(iut_agent, progress="money_refunded") == ["REGISTERED"]
    sums = registration_list.sums(filters_for(iut_agent, progress="money_collected"), iut_agent)
    assert (sums.collected_cents, sums.refunded_cents, sums.net_cents) == (35600, 5000, 30600)
    Registration.objects.filter(pk=campaign["awaiting_payment"].pk).update(fee_total_cents=17800)
    owed = registration_list.sums(filters_for(iut_agent, progress="awaiting_payment"), iut_agent)
    assert owed.owed_cents == 17800
    assert registration_list.sums(filters_for(iut_agent, progress="draft"), iut_agent) is None


def test_owing_nothing(campaign, iut_agent):
    Registration.objects.filter(pk__in=[campaign["registered"].pk, campaign["cancelled"].pk]).update(
        fee_total_cents=0
    )
    assert last_names(iut_agent, progress="owing_nothing") == ["REGISTERED"]  # not the cancelled one


def test_files_by_how_long_their_oldest_document_has_waited(campaign, iut_agent, days_ago):
    Submission.objects.filter(registration=campaign["WAITING"]).update(submitted_at=days_ago(5))
    Submission.objects.create(
        registration=campaign["WAITING"],
        document_type=DocumentType.objects.get(code="photo"),
        status="submitted",
        submitted_at=days_ago(0, 1),
    )
    Submission.objects.create(
        registration=campaign["MISSING"],
        document_type=DocumentType.objects.get(code="photo"),
        status="submitted",
        submitted_at=None,
    )
    Registration.objects.filter(pk=campaign["MISSING"].pk).update(state="awaiting_payment")

    def waiting(key):
        return last_names(iut_agent, progress="documents_waiting", waiting=key)

    assert waiting("under_1_day") == []  # its oldest counts
    assert waiting("3_to_7_days") == ["WAITING"]
    assert waiting("over_7_days") == ["MISSING"]  # a document with no date counts as the oldest
    assert last_names(iut_agent, waiting="1_to_3_days") == []


def test_not_started_lists_admitted_candidates_without_a_registration(
    campaign, demo_candidates, iut_agent, administrator
):
    # Chloé (GEII-1) and Inès (GEA-1) are admitted at the IUT de Chartres; Nadia registers
    # offline (continuing education); Hugo refused; Thanh's offer has no stage.
    rows = list(registration_list.people(filters_for(iut_agent, progress="not_started"), iut_agent))
    assert rows == [demo_candidates["complementary"], demo_candidates["accepted"]]  # GARCIA, LEFÈVRE
    assert all(isinstance(row, Candidate) for row in rows)
    # Once Chloé has a registration (whatever its state), she has started.
    campaign["draft"].candidate = demo_candidates["accepted"]
    campaign["draft"].save(update_fields=["candidate"])
    rows = list(registration_list.people(filters_for(iut_agent, progress="not_started"), iut_agent))
    assert rows == [demo_candidates["complementary"]]
    # The administrator sees every component's, and the unmapped one.
    everyone = registration_list.people(filters_for(administrator, progress="not_started"), administrator)
    assert demo_candidates["unmapped"] in everyone and demo_candidates["continuing_education"] not in everyone


def test_no_progress_lists_every_registration_of_the_agents_components(campaign, iut_agent, other_agent):
    assert len(last_names(iut_agent)) == 9
    assert "ORLEANS" not in last_names(iut_agent)
    # Another component's agent sees nothing of the IUT de Chartres.
    assert last_names(other_agent) == ["ORLEANS"]
    assert list(registration_list.people(filters_for(other_agent, progress="not_started"), other_agent)) == [
        Candidate.objects.get(last_name="MARTIN")
    ]


def test_component_and_stage(campaign, iut_agent):
    chartres = Component.objects.get(code="iut-chartres")
    assert len(last_names(iut_agent, component=str(chartres.pk))) == 9
    gea = Stage.objects.get(code="GEA-1")
    assert last_names(iut_agent, stage=str(gea.pk)) == ["MISSING", "REFUSED", "WAITING"]


def test_another_year_shows_its_own(campaign, iut_agent, year_2024):
    assert last_names(iut_agent, year=year_2024.code) == []


@pytest.mark.parametrize(
    "params",
    [
        {"year": "1999-2000"},
        {"progress": "finished"},
        {"state": "asleep"},
        {"waiting": "forever"},
        {"component": "abc"},
        {"component": "999999"},
        {"stage": "x"},
    ],
)
def test_bad_values_are_form_errors(campaign, iut_agent, params):
    form, filters = registration_list.parse(params, iut_agent)
    assert filters is None and form.errors


def test_a_component_or_stage_not_ones_own_is_refused(campaign, iut_agent):
    orleans = Component.objects.get(code="iut-orleans")
    info = Stage.objects.get(code="INFO-1")
    for params in ({"component": str(orleans.pk)}, {"stage": str(info.pk)}):
        form, filters = registration_list.parse(params, iut_agent)
        assert filters is None and form.errors
    # A stage of another component than the one chosen.
    chartres = Component.objects.get(code="iut-chartres")
    geii = Stage.objects.get(code="GEII-1")
    form, filters = registration_list.parse({"component": str(chartres.pk), "stage": str(geii.pk)}, iut_agent)
    assert filters is not None
    other = Component.objects.get(code="ufr-st")
    form, filters = registration_list.parse(
        {"component": str(other.pk), "stage": str(geii.pk)}, _administrator()
    )
    assert filters is None and "stage" in form.errors


def _administrator():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def test_sorts(campaign, iut_agent):
    by_name = last_names(iut_agent, progress="registered")
    assert by_name == sorted(by_name)
    assert last_names(iut_agent, progress="registered", sort="-name") == sorted(by_name, reverse=True)
    by_stage = last_names(iut_agent, progress="registered", sort="stage")
    assert by_stage == ["MISSING", "REFUSED", "WAITING", "PAID", "REGISTERED"]  # BUT1 GEA < BUT1 GEII
    by_state = last_names(iut_agent, sort="state")
    assert by_state[0] == "AWAITING_PAYMENT" and by_state[-1] == "SUBMITTED"
    # An unknown sort falls back to the name.
    assert last_names(iut_agent, progress="registered", sort="salary") == by_name


def test_documents_are_counted_on_each_row(campaign, iut_agent):
    rows = {r.student.last_name: r for r in registration_list.people(filters_for(iut_agent), iut_agent)}
    assert (rows["MISSING"].documents_missing, rows["MISSING"].documents_refused) == (1, 0)
    assert rows["REFUSED"].documents_refused == 1 and rows["WAITING"].documents_waiting == 1


# --- Days: started on, submitted on, submitted by, registered by (local days, Europe/Paris) ---


def _stamp(registration, **stamps):
    Registration.objects.filter(pk=registration.pk).update(**stamps)


@pytest.fixture
def stamped(demo, paris_time):
    """Registrations of the IUT de Chartres around the local midnights of 10 and 11 September
    2026 (23:30 in Paris is already the next day in UTC)."""
    year = demo.current_year
    rows = {}

    def make(name, state, created, submitted=None, registered=None, updated=None):
        row = make_registrations("GEII-1", 1, state, year, last_name=name)[0]
        _stamp(
            row,
            created_at=created,
            submitted_at=submitted,
            registered_at=registered,
            updated_at=updated or created,
        )
        rows[name] = row

    make("LATE", "draft", paris_time(2026, 9, 10, 23, 30))
    make("EARLY", "draft", paris_time(2026, 9, 11, 0, 30))
    make("SENT", "awaiting_payment", paris_time(2026, 9, 10, 9), submitted=paris_time(2026, 9, 10, 23, 50))
    make(
        "DONE",
        "registered",
        paris_time(2026, 9, 10, 9),
        submitted=paris_time(2026, 9, 10, 10),
        registered=paris_time(2026, 9, 11, 0, 10),
    )
    # Registered, no stamp but its creation (imported): submitted and registered that day.
    make("IMPORTED", "registered", paris_time(2026, 9, 11, 12))
    make("DROPPED", "cancelled", paris_time(2026, 9, 10, 9))  # cancelled from its draft
    make(
        "WITHDRAWN",
        "cancelled",
        paris_time(2026, 9, 10, 9),
        submitted=paris_time(2026, 9, 10, 11),
        registered=paris_time(2026, 9, 10, 12),
        updated=paris_time(2026, 9, 20),
    )
    # Given back for a correction on 12 September (its last change).
    make(
        "GIVEN_BACK",
        "draft",
        paris_time(2026, 9, 10, 9),
        submitted=paris_time(2026, 9, 10, 14),
        updated=paris_time(2026, 9, 12, 9),
    )
    return rows


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"started_on": "2026-09-10"}, ["DONE", "DROPPED", "GIVEN_BACK", "LATE", "SENT", "WITHDRAWN"]),
        ({"started_on": "2026-09-11"}, ["EARLY", "IMPORTED"]),
        ({"started_on": "2026-09-09"}, []),
        ({"submitted_on": "2026-09-10"}, ["DONE", "GIVEN_BACK", "SENT", "WITHDRAWN"]),
        ({"submitted_on": "2026-09-11"}, ["IMPORTED"]),
        ({"submitted_by": "2026-09-10"}, ["DONE", "GIVEN_BACK", "SENT", "WITHDRAWN"]),
        ({"submitted_by": "2026-09-11"}, ["DONE", "GIVEN_BACK", "IMPORTED", "SENT", "WITHDRAWN"]),
        # Given back on the 12th: no longer a form submitted.
        ({"submitted_by": "2026-09-12"}, ["DONE", "IMPORTED", "SENT", "WITHDRAWN"]),
        ({"registered_by": "2026-09-10"}, ["WITHDRAWN"]),
        ({"registered_by": "2026-09-11"}, ["DONE", "IMPORTED", "WITHDRAWN"]),
        # With other filters, both apply.
        ({"started_on": "2026-09-10", "state": "draft"}, ["GIVEN_BACK", "LATE"]),
        ({"submitted_on": "2026-09-10", "progress": "past_submission"}, ["DONE", "SENT"]),
    ],
)
def test_day_filters(stamped, iut_agent, params, expected):
    assert last_names(iut_agent, **params) == expected


def test_day_filters_match_the_counts_rebuilt_from_the_rows(stamped, demo, iut_agent):
    """The lists count what registration.counts counts from the same rows (rebuilt)."""
    import datetime

    from matricule.registration import counts

    year = demo.current_year
    counts.rebuild([year.pk])
    started, submitted = counts.per_day(year.pk, None, datetime.date(2026, 9, 9), datetime.date(2026, 9, 13))
    for day in (datetime.date(2026, 9, d) for d in range(9, 14)):
        assert len(last_names(iut_agent, started_on=day.isoformat())) == started.get(day, 0), day
        assert len(last_names(iut_agent, submitted_on=day.isoformat())) == submitted.get(day, 0), day
        then = counts.counts_until(year.pk, None, day)
        assert len(last_names(iut_agent, submitted_by=day.isoformat())) == then.submitted, day
        assert len(last_names(iut_agent, registered_by=day.isoformat())) == then.registered, day


def test_day_filters_stay_in_the_params_and_a_bad_day_is_an_error(stamped, iut_agent):
    filters = filters_for(iut_agent, started_on="2026-09-10", sort="-date")
    assert filters.params()["started_on"] == "2026-09-10"
    # A candidates' list has no day.
    assert "started_on" not in filters_for(iut_agent, started_on="2026-09-10", progress="admitted").params()
    form, filters = registration_list.parse({"submitted_on": "10 septembre"}, iut_agent)
    assert filters is None and "submitted_on" in form.errors
