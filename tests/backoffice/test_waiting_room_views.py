"""The waiting room seen by staff (`waiting_room_views.py`): each gate, the latest window first,
with the live places and line of the one in use now."""

import pytest

from matricule.institution.models import Population, RegistrationWindow
from matricule.waitingroom import gate as gates
from matricule.waitingroom.models import Gate

URL = "/gestion/file-attente/"


@pytest.fixture(autouse=True)
def fresh_gates():
    """The gates' configuration is kept per process: read again for each test."""
    gates.forget_configuration()
    yield
    gates.forget_configuration()


@pytest.fixture
def windows(demo):
    """The main first-registration window, open now, and another window of the year."""
    main = RegistrationWindow.objects.get(
        academic_year=demo.current_year, population=Population.FIRST_MAIN, components__isnull=True
    )
    other = RegistrationWindow.objects.filter(academic_year=demo.current_year).exclude(pk=main.pk).first()
    return main, other


def test_without_a_gate_the_page_says_so(demo, iut_agent, staff_client):
    Gate.objects.all().delete()
    response = staff_client(iut_agent).get(URL)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "<table" not in response.content.decode()


def test_the_gate_in_use_shows_its_places_and_line_the_others_their_capacity(
    windows, iut_agent, staff_client
):
    main, other = windows
    Gate.objects.all().delete()
    live = Gate.objects.create(window=main, enabled=True, capacity=3, idle_minutes=5)
    off = Gate.objects.create(window=other, enabled=False, capacity=7)
    response = staff_client(iut_agent).get(URL)
    rows = {row["gate"]: row for row in response.context["rows"]}
    assert list(rows) == sorted(rows, key=lambda gate: gate.window.opens_at, reverse=True)
    assert rows[live]["live"] is not None
    assert (rows[live]["live"].active, rows[live]["live"].waiting) == (0, 0)
    assert rows[off]["live"] is None and rows[off]["minutes"] is None
    html = response.content.decode()
    assert "<td>0 / 3</td>" in html and "<td>— / 7</td>" in html
    assert f'<meta http-equiv="refresh" content="{gates.refresh_seconds()}">' in html


def test_the_automatic_refresh_may_be_stopped(demo, iut_agent, staff_client):
    html = staff_client(iut_agent).get(URL, {"manuel": "1"}).content.decode()
    assert 'http-equiv="refresh"' not in html
    assert 'href="?"' in html


def test_the_page_is_for_staff_only(demo, client, demo_candidates):
    from matricule.accounts.admission_login import user_for_candidate

    assert client.get(URL).status_code == 302
    client.force_login(user_for_candidate(demo_candidates["accepted"]))
    assert client.get(URL).status_code == 404
