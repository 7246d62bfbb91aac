# ruff: noqa: F811 - fixtures imported from the payments tests are used as arguments
"""Overdue instalments in the back office (/gestion/echeances/): the agent's components only,
oldest first, with how late each is."""

import datetime

from django.utils import timezone

from matricule.payments.models import Payment
from tests.payments.conftest import awaiting  # noqa: F401
from tests.payments.test_instalments import second_of, three  # noqa: F401

URL = "/gestion/echeances/"


def test_an_agent_sees_the_overdue_instalments_of_the_component(staff_client, iut_agent, other_agent, three):
    second = second_of(three)
    client = staff_client(iut_agent)
    assert "Aucune échéance n'est en retard" in client.get(URL).content.decode().replace("&#x27;", "'")
    # Three days past its due date (moved back: the staff session would not survive a month's travel).
    Payment.objects.filter(pk=second.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=3))
    page = client.get(URL).content.decode()
    assert "Échéances en retard" in page and f"/gestion/etudiant/{three.student_id}/" in page
    assert "2/3" in page and "<td>3</td>" in page  # three days late
    # Another component's agent sees none of it.
    other = staff_client(other_agent).get(URL).content.decode()
    assert f"/gestion/etudiant/{three.student_id}/" not in other


def test_the_list_is_in_the_navigation(staff_client, iut_agent, demo):
    assert f'href="{URL}"' in staff_client(iut_agent).get("/gestion/").content.decode()
