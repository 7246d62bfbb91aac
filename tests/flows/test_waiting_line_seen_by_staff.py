# ruff: noqa: F811 - the fixtures imported from the waiting room's tests are used as arguments
"""Students wait in line at the admission gate (waitingroom), and the staff see the line on the
back office's waiting room page (backoffice)."""

from tests.waitingroom.conftest import browsers, clock, gate_settings, make_gate, window  # noqa: F401

LOGIN = "/connexion/"


def test_the_staff_page_shows_the_line(make_gate, browsers, iut_agent):
    make_gate(capacity=1)
    inside, waiting_one, waiting_two, agent = browsers(4)
    inside.get(LOGIN)
    waiting_one.get(LOGIN)
    waiting_two.get(LOGIN)
    agent.force_login(iut_agent)
    response = agent.get("/gestion/file-attente/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>1 / 1</td>" in page and "<td>2</td>" in page
    assert '<meta http-equiv="refresh"' in page
    assert waiting_one.get("/gestion/file-attente/").status_code == 302  # staff sign-in
