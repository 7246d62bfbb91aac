"""The directory's settings (MATRICULE_LDAP_*), read when used so that tests can change them."""

import dataclasses
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from matricule.net import is_loopback


@dataclasses.dataclass(frozen=True)
class Directory:
    url: str
    start_tls: bool
    bind_dn: str
    bind_password: str
    people_dn: str
    uid_format: str
    mail_domain: str
    etablissement: str
    timeout: int


def enabled() -> bool:
    """Whether a directory is configured; off, every account stays local."""
    return bool(getattr(settings, "MATRICULE_LDAP_URL", ""))


def current() -> Directory:
    """The configured directory; ImproperlyConfigured when its address would send passwords in
    clear to another machine, or its uid scheme does not name the student."""
    url = settings.MATRICULE_LDAP_URL
    parts = urlsplit(url)
    start_tls = settings.MATRICULE_LDAP_START_TLS
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise ImproperlyConfigured("MATRICULE_LDAP_URL must be ldaps://host[:port] or ldap://host[:port].")
    if parts.scheme == "ldap" and not (start_tls or is_loopback(parts.hostname)):
        raise ImproperlyConfigured(
            "MATRICULE_LDAP_URL: plain ldap:// only to this machine; "
            "use ldaps:// or MATRICULE_LDAP_START_TLS."
        )
    uid_format = settings.MATRICULE_LDAP_UID_FORMAT
    if "{student_number}" not in uid_format:
        raise ImproperlyConfigured("MATRICULE_LDAP_UID_FORMAT must contain {student_number}.")
    return Directory(
        url=url,
        start_tls=start_tls,
        bind_dn=settings.MATRICULE_LDAP_BIND_DN,
        bind_password=settings.MATRICULE_LDAP_BIND_PASSWORD,
        people_dn=settings.MATRICULE_LDAP_PEOPLE_DN,
        uid_format=uid_format,
        mail_domain=settings.MATRICULE_LDAP_MAIL_DOMAIN,
        etablissement=settings.MATRICULE_LDAP_ETABLISSEMENT,
        timeout=settings.MATRICULE_LDAP_TIMEOUT_SECONDS,
    )
