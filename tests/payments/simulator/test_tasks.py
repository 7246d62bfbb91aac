"""The simulator bank's server-to-server call: a form POST to the notification address."""

import http.server
import threading
import urllib.parse

import pytest

from matricule.payments.simulator.tasks import deliver_notification


class Receiver(http.server.BaseHTTPRequestHandler):
    """Our notification address, as the bank sees it: records each form posted to it."""

    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.received.append(
            (self.path, self.headers["Content-Type"], urllib.parse.parse_qs(self.rfile.read(length).decode()))
        )
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


@pytest.fixture
def notify_url():
    Receiver.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/paiement/notification/simulator/"
    server.shutdown()
    server.server_close()


def test_the_notification_is_posted_as_a_form_and_its_status_returned(notify_url):
    fields = {"reference": "MAT1", "status": "confirmed", "signature": "abc"}
    assert deliver_notification.call(fields, notify_url) == 200
    assert Receiver.received == [
        (
            "/paiement/notification/simulator/",
            "application/x-www-form-urlencoded",
            {"reference": ["MAT1"], "status": ["confirmed"], "signature": ["abc"]},
        )
    ]


@pytest.mark.parametrize("address", ["file:///etc/passwd", "ftp://bank.example/", "/paiement/notification/"])
def test_only_http_addresses_are_called(address):
    with pytest.raises(ValueError, match="HTTP"):
        deliver_notification.call({"reference": "MAT1"}, address)
