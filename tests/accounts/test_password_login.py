"""The students' password login and reset, as services (their pages: test_student_views)."""

from matricule.accounts import activation, password_login
from matricule.accounts.models import ActivationToken, Throttle
from matricule.audit.models import Event
from tests.accounts.conftest import PASSWORD

WRONG = "Pas le bon mot de passe 1"  # noqa: S105


def test_identifiers_are_counted_whatever_their_case_and_spaces():
    assert password_login.identifier_key("  Chloe.Lefevre@EXAMPLE.org ") == "chloe.lefevre@example.org"
    assert password_login.identifier_key("26 000 001") == "26 000 001"


def test_only_activated_accounts_are_found(registered_user, django_user_model):
    number = registered_user.student.student_number
    assert password_login.find_accounts(number) == []  # registered, not activated yet
    token = activation.create_token(registered_user, "activate", "chloe.lefevre@example.org")
    activation.activate_account(token, PASSWORD)
    assert password_login.find_accounts(number.lower()) == [registered_user]
    assert password_login.find_accounts("CHLOE.LEFEVRE@example.org") == [registered_user]
    assert password_login.find_accounts("   ") == []
    django_user_model.objects.filter(pk=registered_user.pk).update(is_active=False)
    assert password_login.find_accounts(number) == []


def test_the_right_password_gives_the_user_and_clears_the_failures(activated_user):
    email = activated_user.email
    failed = password_login.authenticate(identifier=email, password=WRONG, address="192.0.2.1")
    assert failed.user is None and not failed.locked
    assert Throttle.objects.get(scope="password_identifier").count == 1
    outcome = password_login.authenticate(identifier=email, password=PASSWORD, address="192.0.2.1")
    assert outcome.user == activated_user and not outcome.locked
    assert Throttle.objects.get(scope="password_identifier").count == 0
    assert Event.objects.filter(action="accounts.password_login.password_ok", actor=activated_user).exists()


def test_the_fifth_failure_locks_the_identifier(demo):
    outcomes = [
        password_login.authenticate(identifier="26000001", password=WRONG, address=f"192.0.2.{n}")
        for n in range(5)
    ]
    assert [outcome.locked for outcome in outcomes] == [False] * 4 + [True]
    again = password_login.authenticate(identifier="26000001", password=WRONG, address="198.51.100.1")
    assert again.locked and again.locked_until == outcomes[-1].locked_until
    assert Event.objects.filter(action="accounts.password_login.locked").count() == 1


def test_a_reset_for_nobody_sends_nothing_and_says_nothing(demo, outbox):
    answer = password_login.request_password_reset(identifier="personne@example.org", address="192.0.2.1")
    assert not answer.locked
    assert outbox == [] and not ActivationToken.objects.exists()
    assert Event.objects.filter(action="accounts.password_reset.no_link").exists()


def test_reset_requests_from_one_address_are_limited(demo, settings):
    settings.MATRICULE_THROTTLES = {**settings.MATRICULE_THROTTLES, "reset_address": (2, 3600, 3600)}
    answers = [
        password_login.request_password_reset(identifier=f"{n}@example.org", address="192.0.2.1")
        for n in range(3)
    ]
    assert [answer.locked for answer in answers] == [False, False, True]
