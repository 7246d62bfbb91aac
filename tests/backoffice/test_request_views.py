# ruff: noqa: F811 - fixtures imported from the requests and documents tests are used as arguments
"""Student requests, the registrar's side (/gestion/demandes/): list, detail, taking and deciding."""

from html import unescape

import pytest

from matricule.audit.models import Event
from matricule.notifications.models import Email
from matricule.requests import services
from matricule.requests.models import Kind, Request, State
from tests.documents.conftest import private_media, registered  # noqa: F401
from tests.requests.conftest import file_request, photo, student_client  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/gestion/demandes/"


def detail(request):
    return f"{LIST}{request.pk}/"


def test_the_addresses_are_the_back_office_ones():
    from django.urls import reverse

    assert reverse("backoffice:request-list") == LIST
    assert reverse("backoffice:request-detail", args=[7]) == "/gestion/demandes/7/"


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}1/", f"{LIST}1/prendre/", f"{LIST}1/decider/", f"{LIST}fichier/1/"]
)
def test_the_back_office_views_carry_the_staff_decorator(path):
    from django.urls import resolve

    assert getattr(resolve(path).func, "staff_view", False)


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, registered, file_request):
    response = client.get(detail(file_request(registered)))
    assert response.status_code == 302 and response.url.startswith("/gestion/connexion/?next=")


def test_students_get_a_404(student_client, registered, file_request):
    assert student_client.get(LIST).status_code == 404
    assert student_client.get(detail(file_request(registered))).status_code == 404


def test_the_list_shows_the_waiting_requests_of_the_agent_components_oldest_first(
    staff_client, registered, file_request, iut_agent, django_assert_max_num_queries
):
    first = file_request(registered)
    second = file_request(registered, Kind.CARD_REISSUE, {"reason": "lost"}, [photo()])
    done = file_request(registered, Kind.SITUATION_CHANGE, {"situation": "Salariée"})
    services.refuse(done, actor=iut_agent, message="Non.")
    client = staff_client(iut_agent)
    with django_assert_max_num_queries(14):
        page = client.get(LIST)
    content = page.content.decode()
    assert page.status_code == 200
    assert "2 demandes en attente" in content
    assert content.index(detail(first)) < content.index(detail(second))  # oldest first
    assert detail(done) not in content  # decided: not waiting

    refused = client.get(LIST, {"state": "refused"}).content.decode()
    assert detail(done) in refused and detail(first) not in refused
    cards = client.get(LIST, {"state": "", "kind": "card_reissue"}).content.decode()
    assert detail(second) in cards and detail(first) not in cards and detail(done) not in cards
    everything = client.get(LIST, {"state": ""}).content.decode()
    assert all(detail(r) in everything for r in (first, second, done))
    assert detail(done) not in client.get(LIST, {"page": "1"}).content.decode()  # still the waiting ones


def test_the_list_stays_within_a_bounded_number_of_queries(
    staff_client, registered, file_request, iut_agent, django_assert_max_num_queries
):
    for kind, data in [(Kind.ADDRESS_CHANGE, None), (Kind.SITUATION_CHANGE, {"situation": "x"})]:
        file_request(registered, kind, data)
    client = staff_client(iut_agent)
    with django_assert_max_num_queries(14) as few:
        client.get(LIST)
    for kind in (Kind.CARD_REISSUE, Kind.FEE_EXEMPTION):
        file_request(registered, kind, {"reason": "lost", "grounds": "x"}, [photo()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_an_agent_of_another_component_sees_nothing_and_gets_404(
    staff_client, registered, file_request, other_agent
):
    request = file_request(registered, Kind.CARD_REISSUE, {"reason": "lost"}, [photo()])
    client = staff_client(other_agent)
    assert detail(request) not in client.get(LIST).content.decode()
    attachment = request.attachments.get()
    assert client.get(detail(request)).status_code == 404
    assert client.get(f"{LIST}fichier/{attachment.pk}/").status_code == 404
    assert client.post(f"{detail(request)}prendre/").status_code == 404
    assert client.post(f"{detail(request)}decider/", {"decision": "accept"}).status_code == 404
    assert Request.objects.get(pk=request.pk).state == State.SUBMITTED


def test_the_detail_shows_the_student_the_files_and_the_history(
    staff_client, registered, file_request, iut_agent, django_assert_max_num_queries
):
    request = file_request(
        registered, Kind.CARD_REISSUE, {"reason": "stolen", "details": "Dans le bus"}, [photo()]
    )
    client = staff_client(iut_agent)
    with django_assert_max_num_queries(16):
        page = client.get(detail(request))
    content = page.content.decode()
    assert page.status_code == 200
    assert registered.student.student_number in content and "12 rue des Écuyers" in content
    assert "Volée" in content and "Dans le bus" in content
    assert "requests.filed" in content
    attachment = request.attachments.get()
    assert f"/gestion/demandes/fichier/{attachment.pk}/" in content
    file = client.get(f"{LIST}fichier/{attachment.pk}/")
    assert file.status_code == 200 and file["Content-Type"] == "image/png"
    from matricule.audit.models import Event

    opened = Event.objects.get(action="requests.attachment_opened")  # who opened it is kept
    assert opened.actor == iut_agent and opened.data["attachment"] == attachment.pk
    assert 'value="accept"' in content and "La traiter moi-même" in content


def test_an_agent_takes_then_accepts_a_request(staff_client, registered, file_request, iut_agent):
    request = file_request(registered)
    client = staff_client(iut_agent)
    assert client.post(f"{detail(request)}prendre/").status_code == 302
    request.refresh_from_db()
    assert request.state == State.IN_REVIEW and request.assigned_to == iut_agent
    response = client.post(f"{detail(request)}decider/", {"decision": "accept", "message": "Adresse notée."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == State.ACCEPTED and request.message == "Adresse notée."
    registered.refresh_from_db()
    assert registered.cleaned["contacts"]["city"] == "Orléans"
    page = client.get(detail(request)).content.decode()
    assert "Demande acceptée" in page and "requests.accepted" in page and 'value="accept"' not in page
    assert Email.objects.filter(kind="request_accepted").count() == 1


def test_a_refusal_without_message_keeps_the_form_and_says_why(
    staff_client, registered, file_request, iut_agent
):
    request = file_request(registered, Kind.SITUATION_CHANGE, {"situation": "Salariée"})
    client = staff_client(iut_agent)
    page = client.post(f"{detail(request)}decider/", {"decision": "refuse", "message": " "})
    assert page.status_code == 400
    assert "Indiquez pourquoi la demande est refusée." in page.content.decode()
    assert Request.objects.get(pk=request.pk).state == State.SUBMITTED
    client.post(f"{detail(request)}decider/", {"decision": "refuse", "message": "Pièce manquante."})
    request.refresh_from_db()
    assert request.state == State.REFUSED and request.decided_by == iut_agent
    assert "Pièce manquante." in Email.objects.get(kind="request_refused").body


def test_deciding_a_decided_request_says_so(staff_client, registered, file_request, iut_agent):
    request = file_request(registered)
    services.accept(request, actor=iut_agent)
    client = staff_client(iut_agent)
    page = client.post(f"{detail(request)}decider/", {"decision": "refuse", "message": "Non"})
    assert page.status_code == 409
    assert "Cette demande n'attend plus de décision." in unescape(page.content.decode())
    assert Request.objects.get(pk=request.pk).state == State.ACCEPTED


def test_an_auditor_reads_but_cannot_decide(staff_client, registered, file_request, chartres_auditor):
    request = file_request(registered)
    client = staff_client(chartres_auditor)
    page = client.get(detail(request))
    assert page.status_code == 200 and 'value="accept"' not in page.content.decode()
    assert detail(request) in client.get(LIST).content.decode()
    assert client.post(f"{detail(request)}prendre/").status_code == 403
    assert client.post(f"{detail(request)}decider/", {"decision": "accept"}).status_code == 403
    assert Request.objects.get(pk=request.pk).state == State.SUBMITTED
    assert not Event.objects.filter(action__in=["requests.assigned", "requests.accepted"]).exists()


def test_an_agent_who_audits_another_component_cannot_decide_there(
    staff_client, registered, file_request, other_agent
):
    from matricule.accounts.models import ComponentMembership
    from matricule.institution.models import Component

    ComponentMembership.objects.create(
        user=other_agent,
        component=Component.objects.get(code="iut-chartres"),
        role=ComponentMembership.Role.AUDITOR,
    )
    request = file_request(registered)
    client = staff_client(other_agent)
    assert client.get(detail(request)).status_code == 200
    assert client.post(f"{detail(request)}decider/", {"decision": "accept"}).status_code == 403
    assert Request.objects.get(pk=request.pk).state == State.SUBMITTED


def test_an_administrator_sees_every_component(staff_client, registered, file_request, administrator):
    request = file_request(registered)
    assert detail(request) in staff_client(administrator).get(LIST).content.decode()


def test_the_list_narrows_to_one_of_the_agent_components_and_no_other(
    staff_client, registered, file_request, administrator, iut_agent
):
    from matricule.institution.models import Component

    request = file_request(registered)
    own = registered.stage.programme.component
    other = Component.objects.exclude(pk=own.pk).first()
    admin = staff_client(administrator)
    shown = admin.get(LIST, {"component": own.pk})
    assert detail(request) in shown.content.decode()
    assert shown.context["page"].paginator.count == 1 and shown.context["counts"]["waiting"] == 1
    elsewhere = admin.get(LIST, {"component": other.pk})
    assert detail(request) not in elsewhere.content.decode()
    assert elsewhere.context["page"].paginator.count == 0 and elsewhere.context["counts"]["waiting"] == 0
    # An agent is offered their own components only; another's is refused, not shown.
    agent = staff_client(iut_agent)
    page = agent.get(LIST, {"component": other.pk})
    assert page.status_code == 200 and page.context["form"].errors.get("component")
    assert list(page.context["form"].fields["component"].queryset) == [own]
    assert f'value="{other.pk}"' not in page.content.decode()
