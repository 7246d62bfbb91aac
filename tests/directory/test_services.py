"""The ENT account in the directory (services.py), against a real slapd: created on registration
with the SupAnn 2021 attributes, idempotent, marked on cancellation, retried when the directory is
down; and the password chosen at activation sent to the directory (hashed there) in the request,
a directory that does not answer leaving the activation undone with a clear message."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from matricule.accounts import activation
from matricule.accounts.models import AccountSecurity
from matricule.audit.models import Event
from matricule.directory import services
from matricule.directory.models import DirectoryAccount
from matricule.registration import services as registration_services
from tests.accounts.conftest import PASSWORD, both, url
from tests.directory.conftest import PEOPLE, bind, values

ETAB = "{UAI}0451483T"


def test_a_registered_student_gets_an_entry_with_the_supann_attributes(directory, register):
    registration = register()
    student = registration.student
    number = student.student_number
    stage = registration.stage
    year = registration.academic_year.first_year

    entry = directory.entry(f"(supannEtuId={number})")
    assert entry.entry_dn == f"uid=e{number},ou=people,dc=univ,dc=example"
    assert values(entry, "uid") == [f"e{number}"]
    assert values(entry, "supannEtuId") == [number]
    assert values(entry, "supannCodeINE") == [registration.cleaned["ine"]["ine"]]
    assert sorted(values(entry, "eduPersonAffiliation")) == ["member", "student"]
    assert values(entry, "eduPersonPrimaryAffiliation") == ["student"]
    assert values(entry, "supannEtuInscription") == [
        f"[etab={ETAB}][anneeinsc={year}][cursusann={{SUPANN}}L{stage.level}]"
        f"[affect={stage.programme.component.code}][diplome={stage.programme.code}][etape={stage.code}]"
    ]
    assert values(entry, "mail") == [f"e{number}@etu.univ.example"]
    assert values(entry, "supannMailPerso") == ["chloe.lefevre@example.org"]
    assert values(entry, "sn") == [student.last_name]
    assert values(entry, "givenName") == [student.first_names.split()[0]]
    assert values(entry, "displayName") == [f"{student.first_names} {student.last_name}"]
    assert values(entry, "supannEntiteAffectation") == [stage.programme.component.code]
    assert values(entry, "supannEtablissement") == [ETAB]
    assert {"inetOrgPerson", "eduPerson", "supannPerson"} <= set(values(entry, "objectClass"))
    assert values(entry, "userPassword") == []  # set at activation only

    account = DirectoryAccount.objects.get(student=student)
    assert account.state == DirectoryAccount.State.SYNCED
    assert (account.uid, account.dn) == (f"e{number}", entry.entry_dn)
    assert account.last_synced_at is not None and account.attempts == 0


def test_running_it_again_changes_nothing_and_repairs_what_was_changed(directory, register):
    registration = register()
    number = registration.student.student_number
    before = directory.entry(f"(uid=e{number})").entry_attributes_as_dict
    connection = directory.connection()
    connection.modify(
        f"uid=e{number},ou=people,dc=univ,dc=example", {"displayName": [("MODIFY_REPLACE", ["X"])]}
    )

    services.request_sync(registration.student_id)
    assert services.sync(registration.student_id) == "synced"
    assert services.sync(registration.student_id) == "synced"

    assert len(directory.entries(f"(supannEtuId={number})")) == 1
    after = directory.entry(f"(uid=e{number})").entry_attributes_as_dict
    assert after == before


def test_an_entry_made_elsewhere_is_found_by_supannEtuId_and_kept_with_its_uid(directory, register, settings):
    settings.MATRICULE_LDAP_URL = ""  # registered before the directory was configured
    registration = register()
    settings.MATRICULE_LDAP_URL = directory.url
    number = registration.student.student_number
    connection = directory.connection()
    connection.add(
        "uid=clefevre,ou=people,dc=univ,dc=example",
        ["inetOrgPerson", "eduPerson", "supannPerson"],
        {
            "cn": "Chloé Lefèvre",
            "sn": "Lefèvre",
            "supannEtuId": number,
            "eduPersonAffiliation": ["staff", "member"],
            "eduPersonPrimaryAffiliation": "staff",
            "supannEtuInscription": "[etab={UAI}0750736T][anneeinsc=2023][etape=X]",
        },
    )

    services.request_sync(registration.student_id)
    assert services.sync(registration.student_id) == "synced"

    entry = directory.entry(f"(supannEtuId={number})")
    assert entry.entry_dn == "uid=clefevre,ou=people,dc=univ,dc=example"
    assert sorted(values(entry, "eduPersonAffiliation")) == ["member", "staff", "student"]
    assert values(entry, "eduPersonPrimaryAffiliation") == ["staff"]  # a staff member who studies
    inscriptions = values(entry, "supannEtuInscription")
    assert "[etab={UAI}0750736T][anneeinsc=2023][etape=X]" in inscriptions  # another establishment's
    assert len(inscriptions) == 2
    assert DirectoryAccount.objects.get(student=registration.student).uid == "clefevre"


def test_a_cancelled_registration_makes_the_student_an_alum(
    directory, register, django_capture_on_commit_callbacks
):
    registration = register()
    number = registration.student.student_number

    with django_capture_on_commit_callbacks(execute=True):
        registration_services.cancel_registration(registration, actor=None, reason="withdrawal")

    entry = directory.entry(f"(supannEtuId={number})")
    assert values(entry, "eduPersonAffiliation") == ["alum"]
    assert values(entry, "eduPersonPrimaryAffiliation") == ["alum"]
    assert values(entry, "supannEtuInscription") == []
    assert values(entry, "supannEntiteAffectation") == []
    assert values(entry, "supannEtuId") == [number]  # the person keeps their entry
    assert DirectoryAccount.objects.get(student=registration.student).state == DirectoryAccount.State.SYNCED


def test_a_directory_that_is_down_is_retried_later(directory_down, register, settings, slapd):
    registration = register()
    account = DirectoryAccount.objects.get(student=registration.student)
    assert account.state == DirectoryAccount.State.FAILED
    assert account.attempts == 1 and account.last_error
    assert account.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert services.sync_due() == 0  # not due yet

    # Still down at the next attempt: the wait grows.
    with time_machine.travel(account.next_attempt_at + datetime.timedelta(seconds=1)):
        assert services.sync_due() == 1
    account.refresh_from_db()
    assert account.attempts == 2 and account.state == DirectoryAccount.State.FAILED

    slapd.empty_people()
    settings.MATRICULE_LDAP_URL = slapd.url
    with time_machine.travel(account.next_attempt_at + datetime.timedelta(seconds=1)):
        assert services.sync_due() == 1
    account.refresh_from_db()
    assert account.state == DirectoryAccount.State.SYNCED and account.attempts == 0 and not account.last_error
    assert slapd.entry(f"(supannEtuId={registration.student.student_number})")


def test_retries_end_after_the_last_attempt(directory_down, register):
    registration = register()
    for _ in range(services.MAX_ATTEMPTS - 1):
        account = DirectoryAccount.objects.get(student=registration.student)
        with time_machine.travel(account.next_attempt_at + datetime.timedelta(seconds=1)):
            assert services.sync_due() == 1
    account.refresh_from_db()
    assert account.attempts == services.MAX_ATTEMPTS and account.next_attempt_at is None
    assert services.due_ids(timezone.now() + datetime.timedelta(days=30)) == []


def test_a_request_during_a_run_keeps_the_account_pending(directory, register):
    registration = register()
    account = DirectoryAccount.objects.get(student=registration.student)
    services.request_sync(registration.student_id)
    services._synced(account, account.generation, services.Written("x", "uid=x", created=False))
    account.refresh_from_db()
    assert account.state == DirectoryAccount.State.PENDING
    assert account.next_attempt_at <= timezone.now()


def test_without_a_directory_nothing_happens(register, settings):
    settings.MATRICULE_LDAP_URL = ""
    registration = register()
    assert not DirectoryAccount.objects.exists()
    assert services.sync(registration.student_id) == "skipped"
    assert services.sync_due() == 0


# --- The password, at activation -----------------------------------------------------------------


@pytest.fixture
def registered(register):
    return register()


def test_the_activation_password_opens_the_ent_account(client, directory, registered, send):
    user = registered.student.user
    token = send(user)
    response = client.post(url("activate", token), both(PASSWORD))
    assert response.status_code == 302

    account = DirectoryAccount.objects.get(student=registered.student)
    assert account.password_set_at is not None
    assert bind(directory, account.dn, PASSWORD)
    assert not bind(directory, account.dn, PASSWORD + "x")
    stored = directory.entry(f"(uid={account.uid})")["userPassword"].values
    assert len(stored) == 1 and str(stored[0]).startswith("{SSHA}")  # hashed by slapd
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # the local password is kept too (see the guide)
    # The password went to the directory in the request: no audit event carries it.
    assert Event.objects.filter(action="directory.account.password_set").exists()
    assert not [event for event in Event.objects.all() if PASSWORD in str(event.data)]


def test_the_entry_is_made_at_activation_when_the_queue_has_not_yet(directory, registered):
    directory.empty_people()  # as if the task had not run yet
    token = activation.create_token(registered.student.user, "activate", "chloe.lefevre@example.org")
    activation.activate_account(token, PASSWORD)
    account = DirectoryAccount.objects.get(student=registered.student)
    assert account.state == DirectoryAccount.State.SYNCED
    assert bind(directory, f"uid=e{registered.student.student_number},{PEOPLE}", PASSWORD)


def test_a_directory_that_does_not_answer_leaves_the_activation_undone(
    client, settings, directory, registered, send, directory_down
):
    user = registered.student.user
    token = send(user)
    response = client.post(url("activate", token, language="fr"), both(PASSWORD))

    assert response.status_code == 503
    html = response.content.decode()
    assert PASSWORD not in html  # what was typed as a password is not shown again
    assert "directory" in html or "annuaire" in html
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not AccountSecurity.objects.filter(user=user, activated_at__isnull=False).exists()
    # The link still works once the directory is back.
    settings.MATRICULE_LDAP_URL = directory.url
    assert client.post(url("activate", token), both(PASSWORD)).status_code == 302
    assert activation.has_activated_account(user)


def test_a_reset_password_goes_to_the_directory_too(directory, registered):
    user = registered.student.user
    token = activation.create_token(user, "activate", "chloe.lefevre@example.org")
    activation.activate_account(token, PASSWORD)
    reset = activation.create_token(user, "reset", user.email)
    activation.reset_password(reset, "Un tout autre mot de passe 7")
    dn = DirectoryAccount.objects.get(student=registered.student).dn
    assert bind(directory, dn, "Un tout autre mot de passe 7")
    assert not bind(directory, dn, PASSWORD)


def test_without_a_directory_the_account_stays_local(client, registered, send, settings):
    settings.MATRICULE_LDAP_URL = ""
    token = send(registered.student.user)
    assert client.post(url("activate", token), both(PASSWORD)).status_code == 302
    assert not DirectoryAccount.objects.exists()
