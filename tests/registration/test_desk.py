"""Desk registration services: a registrar agent registers a person who may not register online."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.http import QueryDict

from matricule.audit.models import Event
from matricule.demo.seed import cvec_number
from matricule.institution.models import Stage
from matricule.registration import desk, states
from matricule.registration.models import Kind, Registration, State
from matricule.registration.steps import steps_for
from tests.registration.conftest import ANSWERS

IDENTITY = {
    "last_name": "KOWALSKA",
    "first_names": "Zofia Maria",
    "sex": "F",
    "birth_date": datetime.date(2003, 5, 17),
    "email": "Zofia.Kowalska@example.org",
}
# Another person, nothing in common with Zofia.
JOAO = {
    "last_name": "SILVA",
    "first_names": "João",
    "birth_date": datetime.date(2002, 1, 2),
    "email": "joao.silva@example.org",
}


pytestmark = pytest.mark.usefixtures("immediate_tasks")


def seed_cvec(year, identity=IDENTITY, seq=900001) -> str:
    """The person's CVEC attestation of the year, as the CVEC service (simulated) knows it."""
    from matricule.cvec.demo import demo_number, seed_attestation

    number = demo_number(seq, year.code)
    seed_attestation(
        number=number,
        last_name=identity["last_name"],
        first_names=identity["first_names"],
        birth_date=identity["birth_date"],
        ine="",
        academic_year_code=year.code,
    )
    return number


def allow_exemption(monkeypatch):
    """Awaiting payment → exempt is not in `states.TRANSITIONS` yet (change asked in the desk
    report); added for the test meanwhile, a no-op once the table has it."""
    allowed = set(states.TRANSITIONS[State.AWAITING_PAYMENT]) | {State.EXEMPT}
    monkeypatch.setitem(states.TRANSITIONS, State.AWAITING_PAYMENT, allowed)


@pytest.fixture
def zofia_cvec(demo):
    return seed_cvec(demo.current_year)


@pytest.fixture
def geii1(demo):
    return Stage.objects.select_related("programme__component").get(code="GEII-1")


def fill_steps(registration, agent, *, cvec, grant="none", email=IDENTITY["email"]):
    """Every step the registration asks, saved by the agent as the online form saves them."""
    for step in steps_for(registration):
        values = dict(ANSWERS[step.key])
        if step.key == "cvec":
            values["attestation"] = cvec
        if step.key == "social":
            values["grant"] = grant
        if step.key == "ine" and registration.candidate and registration.candidate.ine:
            values["ine"] = registration.candidate.ine  # the CVEC attestation's holder has it
        if step.key == "contacts":
            values["email"] = values["email_confirmation"] = email
        data = QueryDict(mutable=True)
        data.update(values)
        form = desk.save_desk_step(registration, step.key, data, agent=agent)
        assert form.is_valid(), (step.key, form.errors)
    registration.refresh_from_db()
    return registration


def open_new_person(agent, stage, *, reason=desk.Reason.EXCHANGE, **identity):
    return desk.open_desk_registration(
        agent=agent, stage=stage, identity={**IDENTITY, **identity}, reason=reason
    )


def submitted_new_person(agent, stage, cvec, *, reason=desk.Reason.EXCHANGE, **kwargs):
    registration = fill_steps(open_new_person(agent, stage, reason=reason), agent, cvec=cvec, **kwargs)
    return desk.submit_desk_registration(registration, agent=agent)


# --- Opening ---------------------------------------------------------------------------------


def test_a_new_person_gets_an_account_without_password_a_student_and_a_draft(iut_agent, geii1, demo):
    registration = open_new_person(iut_agent, geii1)

    assert registration.state == State.DRAFT
    assert registration.kind == Kind.FIRST
    assert registration.candidate is None
    assert registration.academic_year == demo.current_year
    assert registration.stage == geii1
    student = registration.student
    assert (student.last_name, student.first_names, student.sex, student.birth_date) == (
        "KOWALSKA",
        "Zofia Maria",
        "F",
        datetime.date(2003, 5, 17),
    )
    assert student.student_number is None
    user = student.user
    assert user.email == IDENTITY["email"]
    assert not user.has_usable_password()
    assert user.username.startswith("guichet-")
    # The address typed at the desk is where the activation link will go.
    assert registration.data["contacts"]["email"] == IDENTITY["email"]
    assert registration.current_step == "identity"
    event = Event.objects.get(action="registration.desk_opened", object_id=str(registration.pk))
    assert event.actor == iut_agent
    assert event.data["reason"] == "exchange"


def test_opening_again_returns_the_same_registration_and_finds_the_person_by_email(iut_agent, geii1):
    first = open_new_person(iut_agent, geii1)
    again = open_new_person(iut_agent, geii1, email="zofia.kowalska@EXAMPLE.org")

    assert again.pk == first.pk
    assert Registration.objects.filter(student=first.student).count() == 1
    assert get_user_model().objects.filter(email__iexact=IDENTITY["email"]).count() == 1


def test_two_people_with_different_usernames(iut_agent, geii1):
    one = open_new_person(iut_agent, geii1)
    other = open_new_person(iut_agent, geii1, **JOAO)

    assert one.student_id != other.student_id
    assert one.student.user.username != other.student.user.username


def test_an_email_of_someone_born_another_day_is_refused(iut_agent, geii1):
    open_new_person(iut_agent, geii1)
    with pytest.raises(desk.EmailTaken):
        open_new_person(iut_agent, geii1, birth_date=datetime.date(1999, 1, 1))


def test_a_stage_outside_the_agents_components_is_refused(other_agent, iut_agent, geii1):
    with pytest.raises(desk.OutOfScope):
        open_new_person(other_agent, geii1)
    assert not get_user_model().objects.filter(email__iexact=IDENTITY["email"]).exists()


def test_an_auditor_may_not_open_a_registration(chartres_auditor, geii1):
    with pytest.raises(desk.OutOfScope):
        open_new_person(chartres_auditor, geii1)


def test_an_admitted_candidate_is_linked_and_prefilled_as_online(iut_agent, demo_candidates):
    nadia = demo_candidates["continuing_education"]  # may not register online
    registration = desk.open_desk_registration(
        agent=iut_agent, stage=nadia.stage, candidate=nadia, reason=desk.Reason.CONTINUING_EDUCATION
    )

    assert registration.candidate == nadia
    assert registration.student.user == nadia.user  # the account she would log in with online
    assert registration.student.last_name == nadia.last_name
    assert registration.student.birth_date == nadia.birth_date
    assert registration.data["contacts"]["email"] == nadia.email
    assert registration.data["identity"]["nationality"] == nadia.nationality
    # Idempotent: the same registration again, from the candidate.
    again = desk.open_desk_registration(agent=iut_agent, stage=nadia.stage, candidate=nadia)
    assert again.pk == registration.pk


def test_a_candidate_who_is_not_admitted_is_refused(iut_agent, demo_candidates):
    hugo = demo_candidates["refused"]
    with pytest.raises(desk.NotAdmitted):
        desk.open_desk_registration(agent=iut_agent, stage=hugo.stage, candidate=hugo)
    assert desk.find_candidate(iut_agent, f"P{hugo.parcoursup_number}") is None


def test_find_candidate_by_parcoursup_number_in_the_agents_components(
    iut_agent, other_agent, demo_candidates
):
    chloe = demo_candidates["accepted"]
    assert desk.find_candidate(iut_agent, f"p{chloe.parcoursup_number}") == chloe
    assert desk.find_candidate(other_agent, chloe.parcoursup_number) is None
    assert desk.find_candidate(iut_agent, "not a number") is None


def test_the_agents_stages(iut_agent, other_agent, administrator):
    assert {s.programme.component.code for s in desk.desk_stages(iut_agent)} == {"iut-chartres"}
    assert {s.programme.component.code for s in desk.desk_stages(other_agent)} == {"iut-orleans"}
    assert desk.desk_stages(administrator).count() == Stage.objects.filter(programme__is_active=True).count()


# --- Steps and submission (the payment or exemption: tests/backoffice/test_desk.py) ---------------


def test_steps_are_saved_by_the_agent_and_audited(iut_agent, geii1, zofia_cvec):
    registration = open_new_person(iut_agent, geii1)
    data = QueryDict(mutable=True)
    data.update({"birth_town": "Kraków", "birth_country": "", "nationality": "Polonaise"})
    form = desk.save_desk_step(registration, "identity", data, agent=iut_agent)

    assert not form.is_valid()
    registration.refresh_from_db()
    assert registration.data["identity"]["birth_town"] == "Kraków"  # kept as typed
    assert "identity" not in registration.valid_steps
    event = Event.objects.get(action="registration.desk_step_saved")
    assert (event.actor, event.data) == (iut_agent, {"step": "identity", "valid": False})
    other = get_user_model().objects.get(username="agent.orleans")
    with pytest.raises(desk.OutOfScope):
        desk.save_desk_step(registration, "identity", data, agent=other)


def test_a_candidate_registered_at_the_desk_with_a_grant_pays_nothing(
    iut_agent, demo, demo_candidates, django_capture_on_commit_callbacks
):
    nadia = demo_candidates["continuing_education"]
    registration = desk.open_desk_registration(agent=iut_agent, stage=nadia.stage, candidate=nadia)
    fill_steps(
        registration, iut_agent, cvec=cvec_number(demo.current_year, nadia), grant="crous", email=nadia.email
    )

    with django_capture_on_commit_callbacks(execute=True):
        registration = desk.submit_desk_registration(registration, agent=iut_agent)

    assert registration.state == State.REGISTERED  # nothing due: exempt → registered at once
    assert registration.fee_total_cents == 0
    assert registration.student.student_number
    assert [m.to for m in mail.outbox if "/compte/activer/" in m.body] == [[nadia.email]]


@pytest.mark.parametrize("from_admission", [False, True], ids=["desk-reason", "admission"])
def test_an_exchange_student_owes_no_fee_here_and_is_registered_at_once(
    iut_agent, geii1, zofia_cvec, demo, demo_candidates, from_admission, django_capture_on_commit_callbacks
):
    if from_admission:  # the imported admission says so; the desk gave no reason
        nadia = demo_candidates["continuing_education"]
        nadia.offline_population = "exchange"
        nadia.save(update_fields=["offline_population"])
        registration = desk.open_desk_registration(agent=iut_agent, stage=nadia.stage, candidate=nadia)
        fill_steps(registration, iut_agent, cvec=cvec_number(demo.current_year, nadia), email=nadia.email)
    else:  # the desk's reason: exchange programme
        registration = fill_steps(open_new_person(iut_agent, geii1), iut_agent, cvec=zofia_cvec)

    with django_capture_on_commit_callbacks(execute=True):
        registration = desk.submit_desk_registration(registration, agent=iut_agent)

    assert registration.state == State.REGISTERED
    assert [line["code"] for line in registration.fee_lines] == ["registration_fee", "exemption_exchange"]
    assert registration.fee_lines[1]["amount_cents"] == -registration.fee_lines[0]["amount_cents"] < 0
    assert registration.fee_total_cents == 0
    assert not registration.payments.exists()


def test_a_desk_reregistration_carries_last_years_steps(iut_agent, demo):
    from matricule.registration.reregistration import CARRIED

    previous = (
        Registration.objects.filter(state=State.REGISTERED, stage__programme__component__code="iut-chartres")
        .exclude(academic_year=demo.current_year)
        .select_related("student", "stage")
        .first()
    )
    if previous is None:
        pytest.skip("the demo has no continuing student of the IUT de Chartres")
    student = previous.student
    registration = desk.open_desk_registration(
        agent=iut_agent,
        stage=previous.stage,
        kind=Kind.REREGISTRATION,
        reason=desk.Reason.HELP,
        identity={
            "last_name": student.last_name,
            "first_names": student.first_names,
            "sex": student.sex,
            "birth_date": student.birth_date,
            "email": student.user.email,
        },
    )

    assert registration.student == student
    assert registration.kind == Kind.REREGISTRATION
    assert set(CARRIED) <= set(registration.valid_steps)
    assert registration.current_step == "contacts"


def test_the_agents_latest_desk_registrations(iut_agent, geii1, django_assert_max_num_queries):
    one = open_new_person(iut_agent, geii1)
    two = open_new_person(iut_agent, geii1, **JOAO)
    with django_assert_max_num_queries(2):
        recent = desk.recent_desk_registrations(iut_agent)
        assert [r.pk for r in recent] == [two.pk, one.pk]
        assert recent[0].student.last_name == "SILVA"
    assert desk.recent_desk_registrations(get_user_model().objects.get(username="agent.orleans")) == []


def test_the_cvec_attestation_is_checked_against_the_typed_identity(iut_agent, geii1, demo):
    from matricule.cvec.demo import demo_number, seed_attestation

    registration = open_new_person(iut_agent, geii1)
    number = demo_number(900002, demo.current_year.code)
    seed_attestation(
        number=number,
        last_name="KOWALSKA",
        first_names="Zofia",
        birth_date=datetime.date(2001, 1, 1),
        ine="",
        academic_year_code=demo.current_year.code,
    )
    data = QueryDict(mutable=True)
    data.update({"attestation": number})

    form = desk.save_desk_step(registration, "cvec", data, agent=iut_agent)

    assert not form.is_valid()  # another person's attestation (another birth date)
    assert "attestation" in form.errors
