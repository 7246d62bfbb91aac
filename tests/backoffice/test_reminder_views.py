"""The reminder's confirmation page and its POST: who and how many, who is skipped and why, the
email's preview, the sending through the task queue once per person and day, and who may."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matricule.admissions.models import Candidate
from matricule.backoffice.models import Reminder
from matricule.notifications.models import Email
from tests.backoffice.conftest import make_registrations

URL = "/gestion/inscriptions/relance/"
NOT_STARTED = {"progress": "not_started"}


def test_the_address():
    assert reverse("backoffice:registrations-remind") == URL


def test_the_page_says_how_many_and_shows_the_email(demo, demo_candidates, iut_agent, staff_client):
    response = staff_client(iut_agent).get(URL, NOT_STARTED)
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["plan"].to_send == 2  # Chloé and Inès, admitted at the IUT de Chartres
    assert response.context["plan"].skipped == 0
    # The preview is the first person's email (Inès GARCIA, by name), in the page's language.
    assert "Inès" in content and "http://testserver" not in content
    assert '<form method="post"' in content
    assert not Email.objects.filter(kind="reminder").exists()


def test_posting_sends_once_per_person_even_twice(
    demo, demo_candidates, iut_agent, staff_client, immediate_tasks, django_capture_on_commit_callbacks
):
    client = staff_client(iut_agent)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(URL, NOT_STARTED)
        assert response.status_code == 302
        assert (
            response.url.startswith(reverse("backoffice:registrations"))
            and "progress=not_started" in response.url
        )
    emails = Email.objects.filter(kind="reminder")
    assert sorted(emails.values_list("to", flat=True)) == sorted(
        [demo_candidates["accepted"].email, demo_candidates["complementary"].email]
    )
    assert set(Reminder.objects.values_list("sender", flat=True)) == {iut_agent.pk}
    # Now everybody was reminded today: the page says so.
    plan = client.get(URL, NOT_STARTED).context["plan"]
    assert (plan.to_send, plan.already) == (0, 2)


def test_people_skipped_are_counted(demo, iut_agent, staff_client):
    year = demo.current_year
    with_address = make_registrations("GEII-1", 3, "draft", year, last_name="AVEC")
    make_registrations("GEII-1", 2, "draft", year, last_name="SANS")  # accounts without an email
    get_user_model().objects.filter(student__registrations__in=with_address).update(email="x@example.org")
    Reminder.objects.create(student=with_address[0].student, day=timezone.localdate(), kind="manual")
    plan = staff_client(iut_agent).get(URL, {"progress": "draft"}).context["plan"]
    assert (plan.to_send, plan.already, plan.no_email, plan.skipped) == (2, 1, 2, 3)


def test_auditors_may_neither_see_the_confirmation_nor_send(demo, demo_candidates, auditor, staff_client):
    client = staff_client(auditor)
    response = client.get(URL, NOT_STARTED)
    assert response.status_code == 403
    assert "Inès" not in response.content.decode()
    assert client.post(URL, NOT_STARTED).status_code == 403
    assert not Reminder.objects.exists()
    # Nor does the list they read offer the button.
    content = client.get(reverse("backoffice:registrations"), NOT_STARTED).content.decode()
    assert URL not in content


def test_an_auditor_of_one_component_agent_of_another_gets_the_button_only_where_they_act(
    demo, demo_candidates, auditor, staff_client
):
    from matricule.accounts.models import ComponentMembership
    from matricule.institution.models import Component

    orleans = Component.objects.get(code="iut-orleans")
    chartres = Component.objects.get(code="iut-chartres")
    ComponentMembership.objects.create(user=auditor, component=orleans, role=ComponentMembership.Role.AGENT)
    client = staff_client(auditor)
    lists = reverse("backoffice:registrations")
    assert URL in client.get(lists, {**NOT_STARTED, "component": orleans.pk}).content.decode()
    assert URL not in client.get(lists, {**NOT_STARTED, "component": chartres.pk}).content.decode()
    # The confirmation, where they act somewhere, plans only for where they act: Léa, in Orléans.
    plan = client.get(URL, NOT_STARTED).context["plan"]
    assert plan.to_send == 1 and plan.first.last_name == "MARTIN"


def test_the_admitted_list_reminds_those_who_have_not_started(demo, demo_candidates, iut_agent, staff_client):
    client = staff_client(iut_agent)
    admitted = client.get(URL, {"progress": "admitted"}).context["plan"]
    not_started = client.get(URL, NOT_STARTED).context["plan"]
    assert admitted.candidate_ids == not_started.candidate_ids


def test_another_component_reaches_nobody_of_the_iut(
    demo, demo_candidates, other_agent, staff_client, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client(other_agent).post(URL, NOT_STARTED)
    # Léa, admitted in Informatique at the IUT d'Orléans, only.
    assert list(Email.objects.filter(kind="reminder").values_list("to", flat=True)) == [
        Candidate.objects.get(last_name="MARTIN").email
    ]


def test_bad_values_get_a_message(demo, iut_agent, staff_client):
    client = staff_client(iut_agent)
    assert client.get(URL, {"progress": "everyone"}).status_code == 400
    assert client.post(URL, {"component": "x"}).status_code == 400
    assert not Reminder.objects.exists()


def test_the_confirmation_queries_do_not_grow_with_the_list(demo, iut_agent, staff_client):
    client = staff_client(iut_agent)
    year = demo.current_year

    def drafts(count, name):
        rows = make_registrations("GEII-1", count, "draft", year, last_name=name)
        get_user_model().objects.filter(student__registrations__in=rows).update(email="x@example.org")

    drafts(2, "PEU")
    client.get(URL, {"progress": "draft"})
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"progress": "draft"})
    drafts(40, "BEAUCOUP")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"progress": "draft"})
    assert response.context["plan"].to_send == 42
    assert len(many) == len(few)
