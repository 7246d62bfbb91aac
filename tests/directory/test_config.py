"""The directory's settings (config.py): on only with an address; passwords over TLS or to this
machine only; a uid scheme that names the student."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from matricule.directory import config


@pytest.mark.parametrize(
    "url, start_tls, ok",
    [
        ("ldaps://ldap.univ.example", False, True),
        ("ldap://ldap.univ.example", True, True),
        ("ldap://127.0.0.1:3389", False, True),
        ("ldap://ldap.univ.example", False, False),
        ("http://ldap.univ.example", False, False),
    ],
)
def test_passwords_travel_only_over_tls_or_to_this_machine(settings, url, start_tls, ok):
    settings.MATRICULE_LDAP_URL = url
    settings.MATRICULE_LDAP_START_TLS = start_tls
    if ok:
        assert config.current().url == url
    else:
        with pytest.raises(ImproperlyConfigured):
            config.current()


def test_the_directory_is_on_only_with_an_address(settings):
    settings.MATRICULE_LDAP_URL = ""
    assert not config.enabled()
    settings.MATRICULE_LDAP_URL = "ldaps://ldap.univ.example"
    assert config.enabled()


def test_the_uid_scheme_must_name_the_student(settings):
    settings.MATRICULE_LDAP_URL = "ldaps://ldap.univ.example"
    settings.MATRICULE_LDAP_UID_FORMAT = "etudiant"
    with pytest.raises(ImproperlyConfigured, match="student_number"):
        config.current()
    settings.MATRICULE_LDAP_UID_FORMAT = "e{student_number}"
    settings.MATRICULE_LDAP_PEOPLE_DN = "ou=people,dc=univ,dc=example"
    settings.MATRICULE_LDAP_TIMEOUT_SECONDS = 4
    current = config.current()
    assert (current.uid_format, current.people_dn, current.timeout) == (
        "e{student_number}",
        "ou=people,dc=univ,dc=example",
        4,
    )
