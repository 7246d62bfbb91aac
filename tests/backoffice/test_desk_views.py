"""Desk registration pages (/gestion/guichet/): the agent's whole flow, scope and rights."""

import pytest
from django.core import mail

from matricule.audit.models import Event
from matricule.registration.desk import Reason
from matricule.registration.models import Registration, State
from matricule.registration.steps import steps_for
from tests.registration.conftest import ANSWERS
from tests.registration.test_desk import IDENTITY, allow_exemption, open_new_person, seed_cvec

START = "/gestion/guichet/"

pytestmark = pytest.mark.usefixtures("immediate_tasks")


@pytest.fixture
def agent_client(staff_client, iut_agent):
    return staff_client(iut_agent)


def start_data(stage, **changes):
    return {
        "last_name": IDENTITY["last_name"],
        "first_names": IDENTITY["first_names"],
        "sex": "F",
        "birth_date": IDENTITY["birth_date"].isoformat(),
        "email": IDENTITY["email"],
        "stage": stage.pk,
        "reason": "continuing_education",  # pays the fee; an exchange student owes none here
        **changes,
    }


def step_answers(key, cvec):
    values = dict(ANSWERS[key])
    if key == "cvec":
        values["attestation"] = cvec
    if key == "social":
        values["grant"] = "none"
    if key == "contacts":
        values["email"] = values["email_confirmation"] = IDENTITY["email"]
    return values


def fill_through_pages(client, registration, cvec):
    for step in steps_for(registration):
        response = client.post(
            f"{START}{registration.pk}/etape/{step.key}/", {**step_answers(step.key, cvec), "action": "next"}
        )
        assert response.status_code == 302, (step.key, response.content.decode()[:2000])


def test_the_whole_desk_flow_with_a_payment(
    agent_client, iut_agent, geii1, demo, django_capture_on_commit_callbacks
):
    cvec = seed_cvec(demo.current_year)
    response = agent_client.get(START)
    assert response.status_code == 200
    assert f'value="{geii1.pk}"' in response.content.decode()

    response = agent_client.post(START, start_data(geii1))
    registration = Registration.objects.get(student__user__email=IDENTITY["email"])
    assert response.status_code == 302
    assert response["Location"] == f"{START}{registration.pk}/etape/identity/"
    assert registration.student.last_name == IDENTITY["last_name"]

    # A step in the back-office layout, with the identity typed at the start.
    page = agent_client.get(response["Location"]).content.decode()
    assert "backoffice-nav" in page
    assert IDENTITY["first_names"] in page
    # Invalid: kept as typed, errors summarised.
    response = agent_client.post(
        f"{START}{registration.pk}/etape/identity/",
        {"birth_town": "Kraków", "birth_country": "", "nationality": "Polonaise", "action": "next"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and 'value="Kraków"' in page
    assert 'href="#id_birth_country"' in page

    fill_through_pages(agent_client, registration, cvec)
    assert agent_client.get(f"{START}{registration.pk}/verification/").status_code == 200
    response = agent_client.post(f"{START}{registration.pk}/verification/")
    assert response["Location"] == f"{START}{registration.pk}/paiement/"
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT
    total = registration.fee_total_cents

    page = agent_client.get(f"{START}{registration.pk}/paiement/").content.decode()
    euros = f"{total // 100},{total % 100:02d}"
    assert f'value="{euros}"' in page  # the amount field starts with the fee total
    # A cheque needs its number; the desk takes the whole fee.
    response = agent_client.post(
        f"{START}{registration.pk}/paiement/", {"action": "pay", "pay-method": "cheque", "pay-amount": euros}
    )
    assert response.status_code == 400
    response = agent_client.post(
        f"{START}{registration.pk}/paiement/", {"action": "pay", "pay-method": "cash", "pay-amount": "1,00"}
    )
    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.state == State.AWAITING_PAYMENT

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"{START}{registration.pk}/paiement/",
            {"action": "pay", "pay-method": "cheque", "pay-amount": euros, "pay-reference": "CHQ 7788"},
        )
    assert response["Location"] == f"{START}{registration.pk}/termine/"
    registration.refresh_from_db()
    assert registration.state == State.REGISTERED
    number = registration.student.student_number
    page = agent_client.get(response["Location"]).content.decode()
    assert number in page
    assert "CHQ 7788" in page  # how it was paid, from the desk's audit trail
    assert f"{START}{registration.pk}/recapitulatif.pdf" in page

    pdf = agent_client.get(f"{START}{registration.pk}/recapitulatif.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert any("/compte/activer/" in m.body and m.to == [IDENTITY["email"]] for m in mail.outbox)
    # Back to the desk's start page: it lists the registration, and its link resumes at the end.
    assert f'href="{START}{registration.pk}/"' in agent_client.get(START).content.decode()
    assert agent_client.get(f"{START}{registration.pk}/")["Location"] == f"{START}{registration.pk}/termine/"


def test_exemption_through_the_payment_page(agent_client, iut_agent, geii1, demo, monkeypatch):
    allow_exemption(monkeypatch)
    cvec = seed_cvec(demo.current_year)
    registration = open_new_person(iut_agent, geii1, reason=Reason.CONTINUING_EDUCATION)
    fill_through_pages(agent_client, registration, cvec)
    agent_client.post(f"{START}{registration.pk}/verification/")

    response = agent_client.post(
        f"{START}{registration.pk}/paiement/", {"action": "exempt", "exempt-reason": ""}
    )
    assert response.status_code == 400
    response = agent_client.post(
        f"{START}{registration.pk}/paiement/",
        {"action": "exempt", "exempt-reason": "Décision 2025-14"},
    )
    assert response["Location"] == f"{START}{registration.pk}/termine/"
    registration.refresh_from_db()
    assert registration.state == State.REGISTERED
    assert Event.objects.get(action="registration.desk_exempted").data["reason"] == "Décision 2025-14"
    assert "Décision 2025-14" in agent_client.get(response["Location"]).content.decode()


def test_an_admitted_candidate_found_by_parcoursup_number(agent_client, demo_candidates):
    nadia = demo_candidates["continuing_education"]
    page = agent_client.get(START, {"parcoursup": f"P{nadia.parcoursup_number}"}).content.decode()
    assert nadia.last_name in page
    assert f'name="candidate" value="{nadia.pk}"' in page
    assert 'name="birth_date"' not in page  # the admission's identity is used

    response = agent_client.post(
        START,
        {
            "candidate": nadia.pk,
            "parcoursup": nadia.parcoursup_number,
            "stage": nadia.stage_id,
            "reason": "continuing_education",
        },
    )
    registration = Registration.objects.get(candidate=nadia)
    assert response["Location"] == f"{START}{registration.pk}/etape/identity/"
    nadia.refresh_from_db()
    assert registration.student.user == nadia.user


def test_an_unknown_parcoursup_number_says_so(agent_client, demo_candidates):
    response = agent_client.get(START, {"parcoursup": "P999999999"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    # Another component's candidate is not found either, nor opened by a forged form.
    chloe = demo_candidates["accepted"]
    from matricule.institution.models import Stage

    orleans = Stage.objects.get(code="INFO-1")
    assert (
        agent_client.post(
            START,
            {
                "candidate": chloe.pk + 1000,
                "parcoursup": chloe.parcoursup_number,
                "stage": orleans.pk,
                "reason": "help",
            },
        ).status_code
        == 404
    )


def test_the_start_form_keeps_what_was_typed(agent_client, geii1):
    response = agent_client.post(START, start_data(geii1, birth_date="31/02/2003"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert f'value="{IDENTITY["last_name"]}"' in page
    assert not Registration.objects.filter(student__user__email=IDENTITY["email"]).exists()


def test_a_stage_of_another_component_is_not_offered(agent_client, geii1):
    from matricule.institution.models import Stage

    orleans = Stage.objects.get(code="INFO-1")
    assert f'value="{orleans.pk}"' not in agent_client.get(START).content.decode()
    response = agent_client.post(START, start_data(orleans))
    assert response.status_code == 400
    assert not Registration.objects.filter(student__user__email=IDENTITY["email"]).exists()


def test_an_agent_of_another_component_gets_404(staff_client, iut_agent, other_agent, geii1):
    registration = open_new_person(iut_agent, geii1)
    client = staff_client(other_agent)
    for path in ("", "etape/identity/", "verification/", "paiement/", "termine/", "recapitulatif.pdf"):
        assert client.get(f"{START}{registration.pk}/{path}").status_code == 404, path
    assert (
        client.post(
            f"{START}{registration.pk}/etape/identity/", {"birth_town": "X", "action": "next"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{START}{registration.pk}/paiement/",
            {"action": "pay", "pay-method": "cash", "pay-amount": "170"},
        ).status_code
        == 404
    )


def test_an_auditor_may_look_but_gets_403_on_posts(staff_client, auditor, iut_agent, geii1):
    registration = open_new_person(iut_agent, geii1)
    client = staff_client(auditor)
    assert client.get(START).status_code == 200
    assert client.get(f"{START}{registration.pk}/etape/identity/").status_code == 200
    assert client.post(START, start_data(geii1, email="autre@example.org")).status_code == 403
    assert (
        client.post(
            f"{START}{registration.pk}/etape/identity/", {"birth_town": "X", "action": "next"}
        ).status_code
        == 403
    )
    assert client.post(f"{START}{registration.pk}/verification/").status_code == 403
    assert (
        client.post(
            f"{START}{registration.pk}/paiement/", {"action": "exempt", "exempt-reason": "x"}
        ).status_code
        == 403
    )
    registration.refresh_from_db()
    assert "identity" not in registration.touched_steps


def test_students_and_visitors_do_not_reach_the_desk(client, demo_candidates):
    from matricule.accounts.admission_login import user_for_candidate

    response = client.get(START)
    assert response.status_code == 302 and "/gestion/connexion/" in response["Location"]
    client.force_login(user_for_candidate(demo_candidates["accepted"]))
    assert client.get(START).status_code == 404


def test_a_step_page_in_a_bounded_number_of_queries(
    agent_client, iut_agent, geii1, django_assert_max_num_queries
):
    registration = open_new_person(iut_agent, geii1)
    with django_assert_max_num_queries(12):
        assert agent_client.get(f"{START}{registration.pk}/etape/contacts/").status_code == 200
    with django_assert_max_num_queries(14):
        assert agent_client.get(START).status_code == 200
