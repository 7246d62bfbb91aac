"""A real OpenLDAP for the directory tests: Debian's slapd, started once per session by
scripts/ldap/slapd (the same script as for development) on 127.0.0.1 and a free port, with the
SupAnn 2021 and eduPerson schemas; each test starts with an empty people branch.

Tests of other apps that need the directory (the student CAS sign-in, the student's file) import
`slapd`, `directory` and `register` from here explicitly."""

import os
import pathlib
import socket
import subprocess
import time

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException

from tests.accounts.conftest import send  # noqa: F401 (the activation link, as emailed)
from tests.payments.conftest import submitted_registration

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ldap" / "slapd"
SUFFIX = "dc=univ,dc=example"
PEOPLE = f"ou=people,{SUFFIX}"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret-for-tests"  # noqa: S105
STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bind(url: str) -> ldap3.Connection | None:
    try:
        return ldap3.Connection(
            ldap3.Server(url, get_info=ldap3.NONE, connect_timeout=1),
            ROOT_DN,
            ROOT_PASSWORD,
            auto_bind=True,
            receive_timeout=5,
        )
    except LDAPException:
        return None


def bind(slapd, dn: str, password: str) -> bool:
    """Whether `dn` signs in to the directory with `password`."""
    connection = ldap3.Connection(ldap3.Server(slapd.url, get_info=ldap3.NONE), dn, password)
    try:
        return connection.bind()
    finally:
        connection.unbind()


def values(entry, name) -> list[str]:
    """An attribute of an entry read back, as strings ([] when absent)."""
    return [str(value) for value in entry[name].values] if name in entry.entry_attributes else []


class Slapd:
    def __init__(self, url: str, process: subprocess.Popen):
        self.url = url
        self.process = process

    def connection(self) -> ldap3.Connection:
        connection = _bind(self.url)
        assert connection is not None, "slapd stopped answering"
        return connection

    def entries(self, search: str) -> list:
        """Every entry under the people branch matching `search`, all attributes, as root."""
        connection = self.connection()
        connection.search(PEOPLE, search, ldap3.SUBTREE, attributes=[ldap3.ALL_ATTRIBUTES])
        found = list(connection.entries)
        connection.unbind()
        return found

    def entry(self, search: str):
        found = self.entries(search)
        assert len(found) == 1, found
        return found[0]

    def empty_people(self) -> None:
        connection = self.connection()
        connection.search(PEOPLE, "(objectClass=*)", ldap3.LEVEL, attributes=[])
        for entry in list(connection.entries):
            connection.delete(entry.entry_dn)
        connection.unbind()


def _start(home: pathlib.Path) -> Slapd:
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = (home / "slapd.log").open("wb")
    process = subprocess.Popen(
        [str(SCRIPT), str(home / "instance"), str(port)],
        env={**os.environ, "LDAP_SUFFIX": SUFFIX, "LDAP_ROOT_PASSWORD": ROOT_PASSWORD},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child has its own copy
    deadline = time.monotonic() + STARTUP_SECONDS
    while (connection := _bind(url)) is None:  # until it answers a bind, or gives up
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"slapd did not start: {(home / 'slapd.log').read_text()}")
        time.sleep(0.05)
    connection.unbind()
    return Slapd(url, process)


def _stop(server: Slapd) -> None:
    server.process.terminate()
    server.process.wait(timeout=10)


# pytest keeps one definition of a fixture per module that imports it (and so would start one
# slapd per importing module): the server is kept on the session's config instead.
_SERVER = pytest.StashKey[Slapd]()


@pytest.fixture(scope="session")
def slapd(request, tmp_path_factory):
    if not os.access("/usr/sbin/slapd", os.X_OK):
        pytest.fail("The directory tests need Debian's slapd: scripts/test installs it (slapd, ldap-utils).")
    stash = request.config.stash
    if _SERVER not in stash:
        stash[_SERVER] = server = _start(tmp_path_factory.mktemp("slapd"))
        request.config.add_cleanup(lambda: _stop(server))
    return stash[_SERVER]


@pytest.fixture
def directory(settings, slapd):
    """Matricule configured against the test slapd, with no entry under ou=people yet."""
    slapd.empty_people()
    settings.MATRICULE_LDAP_URL = slapd.url
    settings.MATRICULE_LDAP_START_TLS = False
    settings.MATRICULE_LDAP_BIND_DN = ROOT_DN
    settings.MATRICULE_LDAP_BIND_PASSWORD = ROOT_PASSWORD
    settings.MATRICULE_LDAP_PEOPLE_DN = PEOPLE
    settings.MATRICULE_LDAP_UID_FORMAT = "e{student_number}"
    settings.MATRICULE_LDAP_MAIL_DOMAIN = "etu.univ.example"
    settings.MATRICULE_LDAP_ETABLISSEMENT = "{UAI}0451483T"
    settings.MATRICULE_LDAP_TIMEOUT_SECONDS = 3
    return slapd


@pytest.fixture
def directory_down(settings):
    """A directory configured at an address where nothing answers."""
    settings.MATRICULE_LDAP_URL = f"ldap://127.0.0.1:{_free_port()}"
    settings.MATRICULE_LDAP_BIND_DN = ROOT_DN
    settings.MATRICULE_LDAP_BIND_PASSWORD = ROOT_PASSWORD
    settings.MATRICULE_LDAP_PEOPLE_DN = PEOPLE
    settings.MATRICULE_LDAP_TIMEOUT_SECONDS = 1


@pytest.fixture
def register(demo, demo_candidates, immediate_tasks, django_capture_on_commit_callbacks):
    """Register Chloé, or the candidate given (grant holder: registered on submission) as the
    flow does, the callbacks after the commit run (the directory's task at once); returns the
    registration."""

    def make(candidate=None):
        candidate = candidate or demo_candidates["accepted"]
        with django_capture_on_commit_callbacks(execute=True):
            registration = submitted_registration(candidate, demo.current_year, grant="crous")
        assert registration.state == "registered"
        registration.refresh_from_db()
        return registration

    return make
