"""A small CAS server for tests (CAS protocol 3.0, the parts a service uses).

- `GET /login?service=URL`: the person "signs in" as `server.next_user` (set by the test; nobody
  set: 401) and is sent back to the service with a single-use ticket (`ST-…`);
- `GET /p3/serviceValidate?ticket=T&service=URL` (and `/serviceValidate`): the XML
  `cas:serviceResponse` with `cas:authenticationSuccess`/`cas:user` for a ticket issued for that
  very service, used once; `cas:authenticationFailure` otherwise;
- `GET /logout?service=URL`: ends the CAS session and sends the person back to URL.

Runs in a thread on 127.0.0.1 (a free port), so the application under test validates tickets over
real HTTP. Every request is kept in `server.requests` for assertions.
"""

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

SUCCESS = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>{user}</cas:user>
    <cas:attributes>
      <cas:mail>{user}@univ.example</cas:mail>
      <cas:isFromNewLogin>true</cas:isFromNewLogin>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>
"""
FAILURE = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="{code}">{message}</cas:authenticationFailure>
</cas:serviceResponse>
"""


class _Handler(BaseHTTPRequestHandler):
    server: "FakeCasServer"

    def log_message(self, format, *args):  # quiet in test output
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.server.requests.append((url.path, query))
        if url.path.endswith("/login"):
            return self._login(query)
        if url.path.endswith("serviceValidate"):
            return self._validate(query)
        if url.path.endswith("/logout"):
            self.server.logged_out += 1
            return self._redirect(query["service"]) if "service" in query else self._send(200, "logged out")
        return self._send(404, "not found")

    def _login(self, query):
        service = query.get("service")
        if not service:
            return self._send(400, "service required")
        user = self.server.next_user
        if user is None:
            return self._send(401, "nobody signs in")
        ticket = f"ST-{secrets.token_urlsafe(24)}"
        with self.server.lock:
            self.server.tickets[ticket] = (service, user)
        separator = "&" if "?" in service else "?"
        return self._redirect(f"{service}{separator}{urlencode({'ticket': ticket})}")

    def _validate(self, query):
        ticket, service = query.get("ticket", ""), query.get("service", "")
        with self.server.lock:
            issued = self.server.tickets.pop(ticket, None)  # a ticket is good once, whatever happens
        if issued is None:
            body = FAILURE.format(code="INVALID_TICKET", message=f"Ticket {escape(ticket)} not recognized")
        elif issued[0] != service:
            body = FAILURE.format(code="INVALID_SERVICE", message="Ticket issued for another service")
        else:
            body = SUCCESS.format(user=escape(issued[1]))
        return self._send(200, body, "application/xml; charset=utf-8")

    def _redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status, body, content_type="text/plain; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeCasServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.next_user: str | None = None
        self.tickets: dict[str, tuple[str, str]] = {}
        self.requests: list[tuple[str, dict]] = []
        self.logged_out = 0
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's base address, as CAS_SERVER_URL wants it (ending with /)."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/cas/"

    def start(self) -> "FakeCasServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def validations(self) -> list[dict]:
        return [query for path, query in self.requests if path.endswith("serviceValidate")]
