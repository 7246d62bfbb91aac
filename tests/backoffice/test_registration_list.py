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
