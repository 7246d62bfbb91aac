"""The ldap3 client (client.py) against the real slapd: an entry found by supannEtuId or uid,
added once, only what differs replaced, a password set (hashed by the server); every failure is
a DirectoryError whose message names no password."""

import pytest

from matricule.directory import client, config
from tests.directory.conftest import PEOPLE, ROOT_PASSWORD, bind, values


def chloe(uid="e24000012", number="24000012") -> dict[str, list[str]]:
    return {
        "objectClass": ["inetOrgPerson", "eduPerson", "supannPerson"],
        "uid": [uid],
        "cn": ["Chloé LEFÈVRE"],
        "sn": ["LEFÈVRE"],
        "supannEtuId": [number],
        "eduPersonAffiliation": ["member", "student"],
        "mail": [],  # empty: left out of the entry
    }


@pytest.fixture
def ldap(directory):
    """A session bound as Matricule's service account, and the directory's settings."""
    settings = config.current()
    with client.session(settings) as connection:
        yield connection, settings


def test_an_entry_is_added_once_and_found_by_student_number_or_uid(ldap):
    connection, settings = ldap
    dn = client.dn_for(settings, "e24000012")
    assert dn == f"uid=e24000012,{PEOPLE}"
    assert client.find(connection, settings, student_number="24000012", uid=None) is None

    client.add(connection, dn, chloe())
    with pytest.raises(client.EntryExists):
        client.add(connection, dn, chloe())

    found_dn, attributes = client.find(connection, settings, student_number="24000012", uid=None)
    assert found_dn == dn
    assert attributes["supannEtuId"] == ["24000012"]  # keyed as READ spells the names
    assert sorted(attributes["eduPersonAffiliation"]) == ["member", "student"]
    assert attributes["mail"] == []  # every attribute of READ, empty when the entry has none
    # Made elsewhere without a supannEtuId: found by its uid.
    assert client.find(connection, settings, student_number="99999999", uid="e24000012")[0] == dn


def test_search_values_are_escaped(ldap):
    connection, settings = ldap
    client.add(connection, client.dn_for(settings, "e24000012"), chloe())
    assert client.find(connection, settings, student_number="*", uid="e*") is None


def test_two_entries_for_one_student_is_an_error(ldap):
    connection, settings = ldap
    client.add(connection, client.dn_for(settings, "a"), chloe(uid="a"))
    client.add(connection, client.dn_for(settings, "b"), chloe(uid="b"))
    with pytest.raises(client.DirectoryError, match="several entries"):
        client.find(connection, settings, student_number="24000012", uid=None)


def test_only_what_differs_is_replaced_and_an_empty_list_deletes(ldap, directory):
    connection, settings = ldap
    dn = client.dn_for(settings, "e24000012")
    client.add(connection, dn, {**chloe(), "mail": ["e24000012@etu.univ.example"]})
    _, current = client.find(connection, settings, student_number="24000012", uid=None)

    client.replace(
        connection, dn, {"sn": ["MARTIN"], "cn": ["Chloé LEFÈVRE"], "mail": [], "uid": ["e24000012"]}, current
    )
    entry = directory.entry("(uid=e24000012)")
    assert values(entry, "sn") == ["MARTIN"]
    assert values(entry, "cn") == ["Chloé LEFÈVRE"]
    assert values(entry, "mail") == []


def test_a_password_is_set_and_hashed_by_the_server(ldap, directory):
    connection, settings = ldap
    dn = client.dn_for(settings, "e24000012")
    client.add(connection, dn, chloe())
    client.set_password(connection, dn, "Un mot de passe assez long 9")
    assert bind(directory, dn, "Un mot de passe assez long 9")
    assert values(directory.entry("(uid=e24000012)"), "userPassword")[0].startswith("{SSHA}")


def test_a_directory_that_does_not_answer_is_a_directory_error_without_the_password(directory_down):
    with pytest.raises(client.DirectoryError) as raised:
        client.connect(config.current())
    assert ROOT_PASSWORD not in str(raised.value)
