"""The directory over LDAP (ldap3): find a person's entry, write it, set a password. Every
failure of the server or the network is a DirectoryError, whose message names no password."""

import contextlib
import ssl

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from .config import Directory

# Read back: every attribute Matricule writes (entries.attributes), to write only what differs
# and to merge the multi-valued ones with values from elsewhere.
READ = [
    "objectClass",
    "uid",
    "cn",
    "sn",
    "givenName",
    "displayName",
    "mail",
    "supannMailPerso",
    "supannEtuId",
    "supannCodeINE",
    "eduPersonAffiliation",
    "eduPersonPrimaryAffiliation",
    "supannEtuInscription",
    "supannEntiteAffectation",
    "supannEtablissement",
]


class DirectoryError(Exception):
    """The directory could not be reached or refused the operation."""


class EntryExists(DirectoryError):
    """An entry with that DN is there already."""


def connect(config: Directory) -> ldap3.Connection:
    """A connection bound as Matricule's service account (TLS verified when used)."""
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED)
    server = ldap3.Server(config.url, get_info=ldap3.NONE, connect_timeout=config.timeout, tls=tls)
    try:
        connection = ldap3.Connection(
            server,
            user=config.bind_dn or None,
            password=config.bind_password or None,
            receive_timeout=config.timeout,
            raise_exceptions=True,
            auto_bind=ldap3.AUTO_BIND_TLS_BEFORE_BIND if config.start_tls else ldap3.AUTO_BIND_NO_TLS,
        )
    except ldap_errors.LDAPException as error:
        raise DirectoryError(_describe(error)) from None
    return connection


@contextlib.contextmanager
def session(config: Directory):
    """connect(), unbound at the end whatever happens."""
    connection = connect(config)
    try:
        yield connection
    finally:
        with contextlib.suppress(ldap_errors.LDAPException):
            connection.unbind()


def _describe(error: Exception) -> str:
    # ldap3's messages carry the server's diagnostic, never the credentials sent.
    return f"{type(error).__name__}: {error}"[:500]


def find(connection, config: Directory, *, student_number: str, uid: str | None) -> tuple[str, dict] | None:
    """The person's entry (DN, attributes) under the people branch: by supannEtuId first (the
    person may already have an ENT account made elsewhere), else by uid."""
    clauses = [f"(supannEtuId={escape_filter_chars(student_number)})"]
    if uid:
        clauses.append(f"(uid={escape_filter_chars(uid)})")
    for search in clauses:
        try:
            connection.search(config.people_dn, search, ldap3.SUBTREE, attributes=READ, size_limit=2)
        except ldap_errors.LDAPNoSuchObjectResult:
            return None
        except ldap_errors.LDAPException as error:
            raise DirectoryError(_describe(error)) from None
        if len(connection.entries) > 1:
            raise DirectoryError(f"several entries match {search}")
        if connection.entries:
            entry = connection.entries[0]
            # Keyed as READ spells the names, whatever case the server answers in.
            names = {name.lower(): name for name in READ}
            values = {names.get(n.lower(), n): list(entry[n].values) for n in entry.entry_attributes}
            return entry.entry_dn, values
    return None


def dn_for(config: Directory, uid: str) -> str:
    return f"uid={escape_rdn(uid)},{config.people_dn}"


def add(connection, dn: str, attributes: dict[str, list[str]]) -> None:
    values = {name: value for name, value in attributes.items() if value}
    try:
        connection.add(dn, attributes=values)
    except ldap_errors.LDAPEntryAlreadyExistsResult:
        raise EntryExists(dn) from None
    except ldap_errors.LDAPException as error:
        raise DirectoryError(_describe(error)) from None


def replace(connection, dn: str, attributes: dict[str, list[str]], current: dict) -> None:
    """Replace the attributes that differ from `current` (all of READ, as `find` gives them; an
    empty list deletes the attribute)."""
    changes = {}
    for name, wanted in attributes.items():
        have = current.get(name, [])
        if sorted(map(str, have)) == sorted(wanted):
            continue
        changes[name] = [(ldap3.MODIFY_REPLACE, wanted)]
    if not changes:
        return
    try:
        connection.modify(dn, changes)
    except ldap_errors.LDAPException as error:
        raise DirectoryError(_describe(error)) from None


def set_password(connection, dn: str, password: str) -> None:
    """The password modify extended operation (RFC 3062): the server hashes what it stores."""
    try:
        connection.extend.standard.modify_password(user=dn, new_password=password)
    except ldap_errors.LDAPException as error:
        raise DirectoryError(_describe(error)) from None
