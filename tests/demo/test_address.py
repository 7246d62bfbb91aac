# ruff: noqa: F811 - fixtures imported from the payments tests are used as arguments
"""The demo served on another address (MATRICULE_DEMO_ADDRESS) gives the site that address: the
links in emails and the payment simulator's return and notification addresses lead back to it."""

import re
import urllib.parse
from pathlib import Path

import pytest
from django.core import mail

from matricule.accounts.admission_login import send_login_link
from matricule.demo.address import served_site
from matricule.payments.models import Payment
from matricule.registration.models import State
from tests.payments.conftest import awaiting, tasks_at_once  # noqa: F401
from tests.processes import PYTHON, clean_environment, run

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("address", "url", "host"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", "127.0.0.1"),
        ("8123", "http://127.0.0.1:8123", "127.0.0.1"),  # runserver's default host
        ("0.0.0.0:8123", "http://127.0.0.1:8123", "127.0.0.1"),
        ("0:8123", "http://127.0.0.1:8123", "127.0.0.1"),
        ("[::]:8123", "http://[::1]:8123", "[::1]"),
        ("[::1]:8123", "http://[::1]:8123", "[::1]"),
        ("demo.univ-example.fr:9000", "http://demo.univ-example.fr:9000", "demo.univ-example.fr"),
        ("192.168.1.20:8080", "http://192.168.1.20:8080", "192.168.1.20"),
    ],
)
def test_the_site_address_is_the_served_one(address, url, host):
    assert served_site(address) == (url, host)


@pytest.mark.parametrize("address", ["", "http://127.0.0.1:8000", "127.0.0.1:", "localhost", "a b:80"])
def test_an_address_runserver_would_refuse_is_refused(address):
    with pytest.raises(ValueError, match="runserver"):
        served_site(address)


def _demo_script_block() -> str:
    """The lines of scripts/demo that work out the site's address, from `address=` to the
    export of the allowed hosts."""
    lines = (ROOT / "scripts" / "demo").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("address="))
    end = next(i for i, line in enumerate(lines) if line.startswith("export MATRICULE_ALLOWED_HOSTS="))
    return "\n".join(lines[start : end + 1])


def _run_demo_settings(**extra_env) -> list[str]:
    """The settings a process started by scripts/demo reads, with this environment."""
    environment = clean_environment(**extra_env, PY=PYTHON)
    show = (
        'from django.conf import settings; print(settings.SITE_URL); print(",".join(settings.ALLOWED_HOSTS))'
    )
    script = f'set -euo pipefail\n{_demo_script_block()}\n"$PY" manage.py shell -v 0 -c {show!r}'
    result = run(["bash", "-c", script], environment=environment, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_scripts_demo_gives_the_site_the_served_address():
    site_url, hosts = _run_demo_settings(MATRICULE_DEMO_ADDRESS="0.0.0.0:8123")
    assert site_url == "http://127.0.0.1:8123"
    assert "127.0.0.1" in hosts.split(",")
    site_url, hosts = _run_demo_settings(MATRICULE_DEMO_ADDRESS="demo.univ-example.fr:9000")
    assert site_url == "http://demo.univ-example.fr:9000"
    assert "demo.univ-example.fr" in hosts.split(",")


def test_scripts_demo_keeps_a_site_address_that_is_set():
    site_url, _hosts = _run_demo_settings(
        MATRICULE_DEMO_ADDRESS="0.0.0.0:8123", MATRICULE_SITE_URL="https://demo.univ-example.fr"
    )
    assert site_url == "https://demo.univ-example.fr"


def test_scripts_demo_stops_on_an_address_runserver_would_refuse():
    result = run([PYTHON, "-m", "matricule.demo.address", "http://127.0.0.1:8123"], timeout=60)
    assert result.returncode == 2 and "MATRICULE_DEMO_ADDRESS" in result.stderr and not result.stdout


@pytest.fixture
def another_port(settings):
    settings.SITE_URL = served_site("0.0.0.0:8123").url
    return "http://127.0.0.1:8123"


def test_login_links_lead_to_the_served_address(another_port, demo_candidates, immediate_tasks):
    send_login_link.call(demo_candidates["accepted"].pk)
    links = re.findall(r"https?://\S+/connexion/lien/\S+/", mail.outbox[-1].body)
    assert links and all(link.startswith(another_port + "/") for link in links)


def test_a_payment_completes_through_the_simulator_on_the_served_address(
    another_port, client, awaiting, monkeypatch, django_capture_on_commit_callbacks
):
    delivered = []

    class Bank:
        """The bank's server-to-server call: only to the address it was given, which must be ours."""

        def enqueue(self, fields, url, delay=0):
            assert url.startswith(another_port + "/")
            path = urllib.parse.urlsplit(url).path
            body = urllib.parse.urlencode(fields)
            delivered.append(client.post(path, body, content_type="application/x-www-form-urlencoded"))

    monkeypatch.setattr("matricule.payments.simulator.views.deliver_notification", Bank())
    client.force_login(awaiting.student.user)
    action = client.post(f"/inscription/{awaiting.pk}/paiement/").context["action"]
    payment = Payment.objects.get(registration=awaiting)
    assert action.fields["notify_url"] == f"{another_port}/paiement/notification/simulator/"
    assert action.fields["return_url"] == f"{another_port}/paiement/retour/{payment.reference}/"
    assert action.fields["cancel_url"] == action.fields["return_url"]
    with django_capture_on_commit_callbacks(execute=True):
        back = client.post(
            "/simulateur-paiement/carte/",
            {**action.fields, "action": "pay", "number": "4111111111111111", "expiry": "12/30", "cvc": "123"},
        )
    assert back.url.startswith(action.fields["return_url"] + "?")
    assert [answer.status_code for answer in delivered] == [200]
    client.get(urllib.parse.urlsplit(back.url)._replace(scheme="", netloc="").geturl(), follow=True)
    payment.refresh_from_db()
    awaiting.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED and awaiting.state == State.REGISTERED
