"""The student file's actions on a registration (`lifecycle_views.py`): the pages, what a
manager and an agent are offered, bad input kept and explained."""

from html import unescape

import pytest

from matricule.accounts.models import ComponentMembership
from matricule.institution.models import Component
from matricule.payments import refunds
from tests.payments.conftest import awaiting  # noqa: F401
from tests.requests.conftest import paid  # noqa: F401


@pytest.fixture
def manager(demo, django_user_model):
    user = django_user_model.objects.create_user("manager.chartres", first_name="Marie", last_name="Gestion")
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-chartres"), role=ComponentMembership.Role.MANAGER
    )
    return user


def test_a_manager_is_offered_refund_and_cancel_an_agent_is_not(paid, manager, iut_agent, staff_client):  # noqa: F811
    file_url = f"/gestion/etudiant/{paid.student_id}/"
    html = staff_client(manager).get(file_url).content.decode()
    assert f'href="/gestion/inscription/{paid.pk}/annuler/"' in html
    assert f'href="/gestion/inscription/{paid.pk}/rembourser/"' in html
    html = staff_client(iut_agent).get(file_url).content.decode()
    assert "/annuler/" not in html and "/rembourser/" not in html
    assert (
        staff_client(iut_agent).post(f"/gestion/inscription/{paid.pk}/annuler/", {"reason": "x"}).status_code
        == 403
    )


def test_cancelling_from_the_page(paid, manager, staff_client, django_capture_on_commit_callbacks):  # noqa: F811
    client = staff_client(manager)
    page = client.get(f"/gestion/inscription/{paid.pk}/annuler/")
    assert page.status_code == 200 and "Annuler l'inscription" in unescape(page.content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/gestion/inscription/{paid.pk}/annuler/", {"reason": "Erreur de formation", "refund": "on"}
        )
    assert response.status_code == 302 and response.url == f"/gestion/etudiant/{paid.student_id}/"
    paid.refresh_from_db()
    assert paid.state == "cancelled" and refunds.refundable_cents(paid) == 0
    html = unescape(client.get(response.url).content.decode())
    assert "L'inscription est annulée" in html and "remboursés" in html
    assert "/annuler/" not in html  # nothing more to cancel


def test_a_cancellation_without_a_reason_is_explained_and_keeps_the_choice(paid, manager, staff_client):  # noqa: F811
    response = staff_client(manager).post(f"/gestion/inscription/{paid.pk}/annuler/", {"refund": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ce champ est obligatoire" in html
    assert 'name="refund" checked' in html or "checked" in html.split('name="refund"')[1][:80]
    paid.refresh_from_db()
    assert paid.state == "registered"


def test_a_partial_refund_from_the_page_and_too_much_refused(paid, manager, staff_client):  # noqa: F811
    client = staff_client(manager)
    url = f"/gestion/inscription/{paid.pk}/rembourser/"
    too_much = client.post(url, {"amount": "9999,00", "reason": "Trop perçu"})
    assert too_much.status_code == 400
    assert "Il ne reste que" in too_much.content.decode() and 'value="9999,00"' in too_much.content.decode()
    response = client.post(url, {"amount": "10,50", "reason": "Trop perçu"})
    assert response.status_code == 302
    assert refunds.refundable_cents(paid) == paid.fee_total_cents - 1050
    paid.refresh_from_db()
    assert paid.state == "registered"


def test_the_activation_link_button(paid, iut_agent, staff_client, immediate_tasks):  # noqa: F811
    user = paid.student.user
    user.set_unusable_password()
    user.save()
    client = staff_client(iut_agent)
    html = client.get(f"/gestion/etudiant/{paid.student_id}/").content.decode()
    assert f'action="/gestion/inscription/{paid.pk}/lien-activation/"' in html
    response = client.post(f"/gestion/inscription/{paid.pk}/lien-activation/", follow=True)
    assert "Le lien d'activation est en route" in unescape(response.content.decode())


def test_correcting_the_identity_from_the_file(paid, iut_agent, auditor, staff_client):  # noqa: F811
    url = f"/gestion/etudiant/{paid.student_id}/identite/"
    client = staff_client(iut_agent)
    assert url in client.get(f"/gestion/etudiant/{paid.student_id}/").content.decode()
    form = client.get(url)
    assert form.status_code == 200 and paid.student.last_name in form.content.decode()
    missing_reason = client.post(
        url, {"last_name": "NOUVEAU", "first_names": "Chloé", "sex": "F", "birth_date": "2006-01-02"}
    )
    assert missing_reason.status_code == 400 and 'value="NOUVEAU"' in missing_reason.content.decode()
    done = client.post(
        url,
        {
            "last_name": "NOUVEAU",
            "first_names": "Chloé",
            "sex": "F",
            "birth_date": "2006-01-02",
            "reason": "Erreur de saisie",
        },
        follow=True,
    )
    assert "L'identité est corrigée" in unescape(done.content.decode())
    paid.student.refresh_from_db()
    assert paid.student.last_name == "NOUVEAU"
    assert staff_client(auditor).post(url, {"reason": "x"}).status_code == 403


def test_giving_the_form_back_from_the_file(awaiting, iut_agent, staff_client, immediate_tasks):  # noqa: F811
    client = staff_client(iut_agent)
    html = client.get(f"/gestion/etudiant/{awaiting.student_id}/").content.decode()
    url = f"/gestion/inscription/{awaiting.pk}/rouvrir/"
    assert f'href="{url}"' in html
    # The desk's payment page, for a registration made online too.
    desk = f"/gestion/guichet/{awaiting.pk}/paiement/"
    assert f'href="{desk}"' in html and client.get(desk).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    done = client.post(url, {"reason": "Le numéro INE est faux"}, follow=True)
    assert "Le formulaire est de nouveau entre les mains de l'étudiant" in unescape(done.content.decode())
    awaiting.refresh_from_db()
    assert awaiting.state == "draft"
