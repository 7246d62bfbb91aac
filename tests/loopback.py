"""Small fakes of the outside services (Parcoursup, the CNOUS, the banks): an http.server on
127.0.0.1 answering from a thread while a test runs."""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler


@contextlib.contextmanager
def serving(server, monkeypatch=None):
    """`server` answers while the block runs, then is shut down. With `monkeypatch`, a proxy set
    in the environment must not catch the client's calls to the loopback."""
    if monkeypatch is not None:
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.setenv(name, "127.0.0.1,localhost")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class FakeHandler(BaseHTTPRequestHandler):
    """A fake service's request handler: quiet, and `send` writes a whole answer."""

    content_type = "application/json"  # of its answers, unless `send` is given another

    def log_message(self, *args):
        pass  # keep the test output quiet

    def send(self, status: int, data: bytes, content_type: str = "") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type or self.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout tests)
