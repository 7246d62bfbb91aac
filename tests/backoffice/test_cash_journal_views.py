# ruff: noqa: F811 - the fixture imported from the journal tests is used as an argument
"""The cash journal's page (/gestion/guichet/caisse/): who sees which desk, the close, the CSV."""

import datetime

from matricule.audit.models import Event
from matricule.backoffice.models import DeskDayClose
from tests.backoffice.test_cash_journal import desk  # noqa: F401 - the fixture

URL = "/gestion/guichet/caisse/"


def query(component, day, **extra):
    return {"component": component.pk, "day": day.isoformat(), **extra}


def test_an_agent_sees_the_days_journal_and_closes_it(staff_client, iut_agent, desk):
    component, day = desk
    client = staff_client(iut_agent)
    page = client.get(URL, query(component, day)).content.decode()
    assert "390\xa0€" in page and "212\xa0€" in page  # the total, and the cash
    assert "Clôturer la journée" in page
    answer = client.post(f"{URL}?component={component.pk}&day={day}", {"counted_cash": "212,00", "note": ""})
    assert answer.status_code == 302
    close = DeskDayClose.objects.get()
    assert (close.counted_cash_cents, close.closed_by) == (21200, iut_agent)
    page = client.get(answer["Location"]).content.decode()
    assert "Clôturée par" in page and "correspond" in page


def test_a_wrong_amount_keeps_what_was_typed_with_a_message(staff_client, iut_agent, desk):
    component, day = desk
    answer = staff_client(iut_agent).post(
        f"{URL}?component={component.pk}&day={day}", {"counted_cash": "deux cents", "note": "à revoir"}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'value="deux cents"' in page and "à revoir" in page and 'role="alert"' in page
    assert not DeskDayClose.objects.exists()


def test_the_csv_is_a_download_and_audited(staff_client, iut_agent, desk):
    component, day = desk
    answer = staff_client(iut_agent).get(URL, query(component, day, format="csv"))
    assert answer["Content-Type"].startswith("text/csv")
    assert f"caisse-{component.code}-{day}.csv" in answer["Content-Disposition"]
    assert "no-store" in answer["Cache-Control"] and "private" in answer["Cache-Control"]
    assert Event.objects.filter(action="backoffice.cash_journal.exported", actor=iut_agent).exists()


def test_an_auditor_reads_but_does_not_close(staff_client, auditor, desk):
    component, day = desk
    client = staff_client(auditor)
    page = client.get(URL, query(component, day)).content.decode()
    assert "390\xa0€" in page and "Clôturer la journée" not in page
    assert client.post(f"{URL}?component={component.pk}&day={day}", {"counted_cash": "0"}).status_code == 403


def test_another_components_agent_cannot_choose_this_desk(staff_client, other_agent, desk):
    component, day = desk
    answer = staff_client(other_agent).get(URL, query(component, day))
    assert answer.status_code == 400  # not among the desks offered
    assert "390\xa0€" not in answer.content.decode()


def test_a_wrong_day_is_said_and_nothing_else_breaks(staff_client, iut_agent, desk):
    component, _day = desk
    answer = staff_client(iut_agent).get(URL, {"component": component.pk, "day": "31/02/2026"})
    assert answer.status_code == 400 and "date" in answer.content.decode().lower()


def test_the_page_defaults_to_today_at_the_agents_desk(staff_client, iut_agent, desk):
    page = staff_client(iut_agent).get(URL).content.decode()
    today = datetime.date.today()
    assert "IUT de Chartres" in page and str(today.year) in page
