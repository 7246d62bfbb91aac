"""API clients: the token shown once and only its hash kept, the service account each client
writes as, made with it."""

from matricule.api.models import ApiClient, hash_token

from .conftest import new_client


def test_only_the_hash_of_the_token_is_kept(db):
    client, token = new_client("card-system")
    stored = ApiClient.objects.filter(pk=client.pk).values().get()
    assert stored["token_hash"] == hash_token(token)
    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hint"] == token[:12]


def test_each_client_gets_a_service_account_that_signs_in_nowhere(db):
    client, _token = new_client("card-system")
    user = client.user
    assert user.username == "api:card-system"
    assert not user.is_active and not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    client.save()
    assert ApiClient.objects.get(pk=client.pk).user == user  # made once


def test_a_new_client_of_a_deleted_client_name_gets_its_own_account(db):
    client, _token = new_client("library")
    first = client.user
    client.delete()
    again, _token = new_client("library")
    assert again.user != first
    assert again.user.username.startswith("api:library:")
