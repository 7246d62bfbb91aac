"""The admission gate through HTTP, as students and staff meet it."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from matricule.accounts.admission_login import user_for_candidate
from matricule.waitingroom import gate as gates

from .conftest import is_waiting, position

LOGIN = "/connexion/"
HOME = "/etudiant/"


def occupied(gate_row) -> int:
    config = gates.active_gate()
    assert config is not None and config.pk == gate_row.pk
    return len(gates.occupied(config))


def test_gate_off_lets_everyone_straight_through(make_gate, browsers):
    make_gate(enabled=False, capacity=1)
    for browser in browsers(4):
        response = browser.get(LOGIN)
        assert response.status_code == 200 and not is_waiting(response)
        assert "Numéro Parcoursup" in response.content.decode()


def test_past_capacity_arrivals_wait_with_their_position(make_gate, browsers):
    gate = make_gate(capacity=2)
    first, second, third, fourth = browsers(4)
    assert not is_waiting(first.get(LOGIN)) and not is_waiting(second.get(LOGIN))
    waiting = third.get(LOGIN)
    assert waiting.status_code == 200 and position(waiting) == "1"
    page = waiting.content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page
    assert 'role="status"' in page and "Vous êtes le numéro 1 dans la file." in page
    assert "Salle d'attente" in page and "Numéro Parcoursup" not in page
    assert position(fourth.get(LOGIN)) == "2"
    assert occupied(gate) == 2


def test_order_of_arrival_is_kept_as_places_free(make_gate, browsers, clock):
    make_gate(capacity=1)
    inside, early, middle, late = browsers(4)
    inside.get(LOGIN)
    assert [position(b.get(LOGIN)) for b in (early, middle, late)] == ["1", "2", "3"]
    inside.post("/deconnexion/")  # gives the place back
    clock.advance(1)
    # The last and the middle ones refresh first: the place still goes to the first in line.
    assert is_waiting(late.get(LOGIN)) and is_waiting(middle.get(LOGIN))
    assert not is_waiting(early.get(LOGIN))
    assert position(middle.get(LOGIN)) == "1"
    assert position(late.get(LOGIN)) == "2"


def test_a_student_is_never_admitted_twice(make_gate, browsers, demo_candidates):
    gate = make_gate(capacity=3)
    user = user_for_candidate(demo_candidates["accepted"])
    phone, laptop = browsers(2)
    for _ in range(3):  # refreshing and coming back keep one place
        assert not is_waiting(phone.get(LOGIN))
    assert occupied(gate) == 1
    phone.force_login(user)
    laptop.force_login(user)
    assert phone.get(HOME).status_code == 200
    assert not is_waiting(laptop.get(HOME))  # the second browser shares the student's place
    assert occupied(gate) == 1


def test_a_second_browser_that_got_a_place_before_login_gives_it_back(
    make_gate, browsers, demo_candidates, clock
):
    gate = make_gate(capacity=3)
    user = user_for_candidate(demo_candidates["accepted"])
    phone, laptop = browsers(2)
    phone.get(LOGIN)
    laptop.get(LOGIN)
    assert occupied(gate) == 2
    phone.force_login(user)
    phone.get(HOME)
    clock.advance(120)  # past the keep-alive interval: the laptop's next request is looked at
    laptop.force_login(user)
    assert not is_waiting(laptop.get(HOME))
    assert occupied(gate) == 1


def test_an_active_student_is_never_sent_back(make_gate, browsers, demo_candidates, clock):
    make_gate(capacity=1, idle_minutes=5)
    student, waiting = browsers(2)
    student.force_login(user_for_candidate(demo_candidates["accepted"]))
    assert not is_waiting(student.get(HOME))
    assert is_waiting(waiting.get(LOGIN))
    for _ in range(12):  # an hour of activity, a request every four minutes and a half
        clock.advance(270)
        assert student.get(HOME).status_code == 200 and not is_waiting(student.get(HOME))
        assert position(waiting.get(LOGIN)) in ("0", "1")


def test_an_idle_place_is_given_back(make_gate, browsers, demo_candidates, clock):
    gate = make_gate(capacity=1, idle_minutes=5)
    student, next_one = browsers(2)
    student.force_login(user_for_candidate(demo_candidates["accepted"]))
    student.get(HOME)
    assert is_waiting(next_one.get(LOGIN))
    clock.advance(5 * 60 + 1)
    assert occupied(gate) == 0
    assert not is_waiting(next_one.get(LOGIN))  # the place went to the next in line
    back = student.get(HOME)
    assert position(back) == "1"
    assert "votre place est allée à l'étudiant suivant" in back.content.decode()


def test_a_refresh_of_the_waiting_page_writes_nothing_to_the_database(make_gate, browsers, demo_candidates):
    make_gate(capacity=1)
    inside, student = browsers(2)
    inside.get(LOGIN)
    student.force_login(user_for_candidate(demo_candidates["accepted"]))
    assert is_waiting(student.get(HOME))
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            response = student.get(HOME)
        assert position(response) == "1"
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert writes == []
        assert len(queries) == 2  # the session and the user, read by authentication


def test_an_anonymous_refresh_reads_no_database_row_at_all(make_gate, browsers, django_assert_num_queries):
    make_gate(capacity=1)
    inside, waiting = browsers(2)
    inside.get(LOGIN)
    waiting.get(LOGIN)
    with django_assert_num_queries(0):
        assert position(waiting.get(LOGIN)) == "1"


def test_staff_public_pages_and_notifications_are_never_held(make_gate, browsers, iut_agent):
    make_gate(capacity=1)
    inside, agent, visitor = browsers(3)
    inside.get(LOGIN)
    agent.force_login(iut_agent)
    assert not is_waiting(agent.get(HOME))
    assert not is_waiting(visitor.get("/"))
    assert visitor.get("/healthz").content == b"ok"
    assert not is_waiting(visitor.post("/paiement/notification/simulator/", {"reference": "x"}))
    assert is_waiting(visitor.get(LOGIN))


def test_those_who_come_before_the_opening_are_drawn_in_random_order(make_gate, window, browsers, clock):
    opening = clock.t + 600
    window.opens_at = datetime.datetime.fromtimestamp(opening, tz=datetime.UTC)
    window.save()
    gate = make_gate(capacity=5)
    crowd = browsers(20)
    for browser in crowd:
        clock.advance(10)
        assert position(browser.get(LOGIN)) == "early"
    last_second = crowd[-1]
    clock.t = opening - 1
    page = last_second.get(LOGIN)  # refreshing at 11:59:59 changes nothing
    assert position(page) == "early" and "tirée au sort" in page.content.decode()

    clock.t = opening + 1
    config = gates.active_gate()
    numbers = [gates.ticket_number(config, gates.Card.loads(b.cookies["matricule_wr"].value)) for b in crowd]
    assert sorted(numbers) == list(range(1, 21))  # every one has a place, none shared
    assert numbers != sorted(numbers)  # not the order of arrival
    # The first five of the draw get the places, whatever the order they refresh in.
    outcomes = {number: b.get(LOGIN) for number, b in sorted(zip(numbers, crowd, strict=True), reverse=True)}
    assert sorted(n for n, r in outcomes.items() if not is_waiting(r)) == [1, 2, 3, 4, 5]
    assert {n: int(position(r)) for n, r in outcomes.items() if is_waiting(r)} == {
        n: n - 5 for n in range(6, 21)
    }
    assert occupied(gate) == 5


def test_tickets_of_those_who_left_are_passed_quickly(make_gate, browsers, clock):
    make_gate(capacity=1)
    inside, *gone = browsers(12)
    inside.get(LOGIN)
    for browser in gone[:10]:  # they take a ticket and close the page
        assert is_waiting(browser.get(LOGIN))
    patient = gone[10]
    assert position(patient.get(LOGIN)) == "11"
    inside.post("/deconnexion/")
    refreshes = 0
    while is_waiting(patient.get(LOGIN)):
        refreshes += 1
        assert refreshes < 40
        clock.advance(5)  # WAITINGROOM_REFRESH_SECONDS; batches let in 1, 2, 4, 8... tickets
    # Ten abandoned tickets cost four grace periods (10 s each), not ten.
    assert refreshes <= 4 * 2 + 1


def test_a_ticket_of_a_forgotten_line_starts_again(make_gate, browsers):
    gate = make_gate(capacity=1)
    inside, waiting = browsers(2)
    inside.get(LOGIN)
    assert position(waiting.get(LOGIN)) == "1"
    gates.reset(gate.pk, gate.capacity)  # Redis restarted, or the line emptied by staff
    assert not is_waiting(waiting.get(LOGIN))
