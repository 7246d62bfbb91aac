"""Which outside addresses Matricule may call: TLS, or plain HTTP to this machine only."""

from urllib.parse import urlsplit

import pytest

from matricule.net import is_loopback, tls_or_loopback


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["", "10.0.0.1", "192.168.1.2", "example.org", "localhost.example.org", "::2"]
)
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.org/v1",
        "https://127.0.0.1/",
        "http://127.0.0.1:8080/x",
        "http://localhost/",
        "http://[::1]/",
    ],
)
def test_tls_or_loopback_accepts(url):
    assert tls_or_loopback(urlsplit(url))


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.org/v1",
        "http://10.0.0.1/",
        "ftp://127.0.0.1/",
        "http://localhost.example.org/",
        "file:///etc/passwd",
    ],
)
def test_tls_or_loopback_refuses(url):
    assert not tls_or_loopback(urlsplit(url))
