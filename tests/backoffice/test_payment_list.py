"""The payments to check (`/gestion/paiements/`): stuck and held payments of the reader's
components, by kind and anomaly, sorted by date and paginated; staff only, auditors read."""

import datetime
import re

import pytest
from django.utils import timezone

from matricule.backoffice import payment_list
from matricule.institution.models import Component
from matricule.payments.models import Payment

from .conftest import payment

URL = "/gestion/paiements/"
EN_URL = "/en/gestion/paiements/"


def references(response) -> list[str]:
    assert response.status_code == 200
    return [row.reference for row in response.context["page"].object_list]


@pytest.fixture
def held(dataset):
    """The dashboard's dataset (IUT de Chartres: 1 stuck, 1 recent pending, underpaid, paid
    twice, a confirmed payment; IUT d'Orléans: overpaid), and a payment of Chartres held for its
    currency."""
    registration = dataset["drafts"][0]
    other = payment(registration, Payment.Status.TO_REVIEW, anomaly=Payment.Anomaly.CURRENCY, paid=17800)
    rows = {row.anomaly or row.status: row for row in Payment.objects.exclude(status="confirmed")}
    rows["stuck"] = Payment.objects.get(created_at=dataset["stuck_at"])
    rows["other"] = other
    return rows


def test_an_agent_sees_the_payments_to_check_of_their_components(held, iut_agent, staff_client):
    client = staff_client(iut_agent)
    found = references(client.get(URL))
    # Oldest first; not the recent pending one, not the confirmed one, not Orléans's overpaid one.
    assert sorted(found) == sorted(
        held[key].reference for key in ("stuck", "underpaid", "duplicate", "other")
    )
    assert references(client.get(URL, {"state": "stuck"})) == [held["stuck"].reference]
    assert sorted(references(client.get(URL, {"state": "held"}))) == sorted(
        held[key].reference for key in ("underpaid", "duplicate", "other")
    )
    for anomaly in ("underpaid", "duplicate", "other"):
        assert references(client.get(URL, {"state": "held", "anomaly": anomaly})) == [held[anomaly].reference]
        assert references(client.get(URL, {"anomaly": anomaly})) == [held[anomaly].reference]
    assert references(client.get(URL, {"anomaly": "overpaid"})) == []
    # An anomaly is a payment held's: none of the stuck ones.
    assert references(client.get(URL, {"state": "stuck", "anomaly": "underpaid"})) == []


def test_an_administrator_sees_every_component_or_the_one_chosen(held, administrator, staff_client):
    client = staff_client(administrator)
    assert len(references(client.get(URL))) == 5
    orleans = Component.objects.get(code="iut-orleans")
    assert references(client.get(URL, {"component": orleans.pk})) == [held["overpaid"].reference]


def test_an_auditor_reads_the_list_of_their_component(held, auditor, other_agent, staff_client):
    assert len(references(staff_client(auditor).get(URL))) == 4
    # Another component's agent: none of Chartres's.
    assert references(staff_client(other_agent).get(URL)) == [held["overpaid"].reference]


def test_pending_for_less_than_the_limit_is_not_stuck(held, iut_agent, staff_client, settings):
    settings.MATRICULE_DASHBOARD_PENDING_MINUTES = 1
    # The recent one (5 minutes) is now stuck too.
    assert len(references(staff_client(iut_agent).get(URL, {"state": "stuck"}))) == 2


def test_sorted_by_date_both_ways(held, iut_agent, staff_client):
    client = staff_client(iut_agent)
    Payment.objects.filter(pk=held["other"].pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    oldest_first = references(client.get(URL))
    assert oldest_first[0] == held["other"].reference
    response = client.get(URL, {"sort": "-date"})
    assert references(response) == oldest_first[::-1]
    assert response.context["date_aria_sort"] == "descending"
    assert references(client.get(URL, {"sort": "nonsense"})) == oldest_first


def test_paginated(held, iut_agent, staff_client, monkeypatch):
    monkeypatch.setattr(payment_list, "PAGE_SIZE", 3)
    client = staff_client(iut_agent)
    first = client.get(URL, {"sort": "-date"})
    assert first.context["page"].paginator.num_pages == 2
    second = client.get(URL, {"sort": "-date", "page": 2})
    assert len(references(first)) + len(references(second)) == 4
    assert 'href="?sort=-date&amp;page=2#results"' in first.content.decode()


@pytest.mark.parametrize(
    "params", [{"state": "lost"}, {"anomaly": "currency"}, {"component": "abc"}, {"component": "999999"}]
)
def test_bad_values_are_form_errors(held, iut_agent, staff_client, params):
    assert staff_client(iut_agent).get(URL, params).status_code == 400


def test_a_component_not_ones_own_is_refused(held, iut_agent, staff_client):
    orleans = Component.objects.get(code="iut-orleans")
    assert staff_client(iut_agent).get(URL, {"component": orleans.pk}).status_code == 400


def test_the_english_page_is_an_accessible_table(held, iut_agent, staff_client):
    response = staff_client(iut_agent).get(EN_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Payments to check</h1>" in content
    table = content[content.index("<table") : content.index("</table>")]
    assert "<caption" in table
    assert table.count('<th scope="col"') == 8 and table.count('<th scope="row"') == 4
    assert 'aria-sort="ascending"' in table
    student = held["underpaid"].registration.student
    assert f'href="/en/gestion/etudiant/{student.pk}/"' in table
    assert "€" in table and "178" in table  # the amount due, in euros
    assert "Amount lower than due" in table and "To be checked by staff" in table
    assert re.search(r'<div class="table-scroll" role="region" aria-labelledby="payments-caption"', content)


def test_nothing_to_check(demo, iut_agent, staff_client):
    response = staff_client(iut_agent).get(EN_URL)
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    assert "No payment of your components to check." in response.content.decode()


def test_staff_only(held, client, django_user_model):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/gestion/connexion/")
    registration = held["underpaid"].registration
    client.force_login(registration.student.user)
    assert client.get(URL).status_code == 404
