"""Addresses of the outside services Matricule calls (Parcoursup, the CNOUS, the payment gateways):
what goes to them or comes back must travel over TLS, except to this machine (a test double, a
tunnel)."""

import ipaddress
from urllib.parse import SplitResult


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine: `localhost` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_or_loopback(parts: SplitResult) -> bool:
    """Whether an address (as `urlsplit` gives it) is https://, or plain http:// to this machine."""
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or ""))
