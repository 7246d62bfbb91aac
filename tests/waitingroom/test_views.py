"""The students' waiting page, answered in place of a guarded page."""

import datetime

from django.test import RequestFactory

from matricule.waitingroom import gate as gates
from matricule.waitingroom.views import wait_minutes, waiting_response

from .conftest import is_waiting, position

LOGIN = "/connexion/"


def test_the_waiting_page_can_stop_refreshing(make_gate, browsers):
    make_gate(capacity=1)
    first, second = browsers(2)
    first.get(LOGIN)
    page = second.get(LOGIN, {"manuel": "1"}).content.decode()
    assert "http-equiv" not in page
    assert 'href="/connexion/?manuel=1"' in page  # check again by hand
    assert 'href="/connexion/"' in page  # back to the automatic refresh


def test_the_wait_is_told_in_whole_minutes_at_least_one():
    assert wait_minutes(None) is None
    assert [wait_minutes(seconds) for seconds in (0, 1, 89, 91, 3600)] == [1, 1, 1, 2, 60]


def test_the_page_tells_the_place_and_the_wait_and_is_never_stored(make_gate):
    make_gate(capacity=1)
    config = gates.active_gate()
    card = gates.Card(gate=config.pk, holder="h", kind=gates.TICKET)
    decision = gates.Decision(card=card, admitted=False, position=3, wait_seconds=250)
    response = waiting_response(RequestFactory().get(LOGIN, {"suite": "1"}), config, decision)
    page = response.content.decode()
    assert response["Cache-Control"] == "no-store" and position(response) == "3"
    assert "Vous êtes le numéro 3 dans la file." in page
    assert "Attente estimée : environ 4 minutes." in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert 'href="/connexion/?suite=1&amp;manuel=1"' in page  # the page's own query is kept


def test_before_the_opening_the_page_tells_when_it_opens(make_gate):
    make_gate(capacity=1)
    config = gates.active_gate()
    card = gates.Card(gate=config.pk, holder="h", kind=gates.EARLY)
    opens_at = datetime.datetime(2026, 7, 8, 10, 0, tzinfo=datetime.UTC)  # noon in Paris
    decision = gates.Decision(card=card, admitted=False, opens_at=opens_at.timestamp())
    response = waiting_response(RequestFactory().get(LOGIN), config, decision, lost=True)
    page = response.content.decode()
    assert is_waiting(response) and position(response) == "early"
    assert "8 juillet 2026" in page and "12:00" in page
    assert "votre place est allée à l'étudiant suivant" in page
