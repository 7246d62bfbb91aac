"""The registrations' admin with the back office's action (`admin.py`): a bank transfer of the
amount due, recorded for the registrations awaiting payment only."""

from django.contrib import admin
from django.contrib.messages import get_messages

from matricule.backoffice.admin import RegistrationPaymentAdmin
from matricule.payments.models import Payment
from matricule.registration.models import Registration, State
from tests.payments.conftest import submitted_registration

from .conftest import make_registrations


def test_the_registrations_admin_is_the_one_with_the_transfer_action(demo):
    model_admin = admin.site._registry[Registration]
    assert isinstance(model_admin, RegistrationPaymentAdmin)
    assert model_admin.actions[0] == "record_desk_payment"


def test_the_action_records_a_transfer_for_the_registrations_awaiting_payment(
    client, demo, demo_candidates, administrator
):
    awaiting = submitted_registration(demo_candidates["accepted"], demo.current_year)
    assert awaiting.state == State.AWAITING_PAYMENT
    [draft] = make_registrations("GEII-1", 1, "draft", demo.current_year)
    client.force_login(administrator)
    response = client.post(
        "/admin/registration/registration/",
        {"action": "record_desk_payment", "_selected_action": [awaiting.pk, draft.pk]},
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    draft.refresh_from_db()
    assert awaiting.state == State.REGISTERED
    assert draft.state == State.DRAFT  # nothing was awaited: left alone
    payment = Payment.objects.get(manual=True)
    assert (payment.registration, payment.manual_method, payment.note, payment.recorded_by) == (
        awaiting,
        "transfer",
        "admin",
        administrator,
    )
    assert payment.status == Payment.Status.CONFIRMED
    assert payment.paid_cents == awaiting.fee_total_cents
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(messages) == 1 and str(awaiting.pk) in messages[0]


def test_an_agent_opening_the_admin_is_told_it_is_not_allowed_instead_of_a_loop(iut_agent, staff_client):
    client = staff_client(iut_agent)
    for address in ("/admin/", "/admin/accounts/user/"):
        response = client.get(address, follow=True)  # a redirect loop would raise here
        assert response.status_code == 403
        assert response.redirect_chain == [(f"/admin/login/?next={address}", 302)]
        html = response.content.decode()
        assert "Administration non autorisée" in html and 'href="/gestion/"' in html


def test_the_admin_still_sends_the_signed_out_to_the_staff_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response.url)
    assert login.status_code == 302 and login.url.startswith("/gestion/connexion/?next=/admin/")


def test_an_administrator_opens_the_admin(administrator, staff_client):
    assert staff_client(administrator).get("/admin/").status_code == 200
