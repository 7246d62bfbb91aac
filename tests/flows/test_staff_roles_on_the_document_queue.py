# ruff: noqa: F811 - the fixtures imported from the accounts and documents tests are used as arguments
"""What each staff role may do on the documents' review queue: the roles and components of
accounts.staff, applied by the back office's pages to a registration's documents (claims,
decisions)."""

from matricule.accounts.models import ComponentMembership
from matricule.documents.models import ReviewClaim
from matricule.institution.models import Component
from tests.accounts.conftest import components, member  # noqa: F401
from tests.documents.conftest import registered  # noqa: F401

QUEUE = "/gestion/pieces/"
Role = ComponentMembership.Role


def test_an_auditor_looks_at_a_file_without_claiming_it_and_may_not_decide(
    client, registered, member, staff_client
):
    auditor = member(Role.AUDITOR, "iut-chartres")
    staff_client(auditor)
    page = client.get(f"{QUEUE}{registered.pk}/")
    assert page.status_code == 200
    assert not ReviewClaim.objects.filter(registration=registered).exists()
    submission = registered.submissions.first()
    decide = client.post(f"{QUEUE}{registered.pk}/", {"submission": submission.pk, "decision": "validate"})
    assert decide.status_code == 403
    assert client.post(f"{QUEUE}{registered.pk}/liberer/").status_code == 403
    submission.refresh_from_db()
    assert submission.reviewed_by is None


def test_acting_in_one_component_gives_no_right_to_act_in_another(client, registered, member, staff_client):
    user = member(Role.AUDITOR, "iut-chartres")
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-orleans"), role=Role.AGENT
    )
    staff_client(user)
    assert client.get(f"{QUEUE}{registered.pk}/").status_code == 200
    submission = registered.submissions.first()
    response = client.post(f"{QUEUE}{registered.pk}/", {"submission": submission.pk, "decision": "validate"})
    assert response.status_code == 403


def test_an_agent_of_the_component_claims_and_releases(client, registered, iut_agent, staff_client):
    staff_client(iut_agent)
    assert client.get(f"{QUEUE}{registered.pk}/").status_code == 200
    assert ReviewClaim.objects.get(registration=registered).agent == iut_agent
    assert client.post(f"{QUEUE}{registered.pk}/liberer/").url == QUEUE
    assert not ReviewClaim.objects.filter(registration=registered).exists()


def test_an_agent_of_another_component_gets_404(client, registered, other_agent, staff_client):
    staff_client(other_agent)
    assert client.get(f"{QUEUE}{registered.pk}/").status_code == 404
