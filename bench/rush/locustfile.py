"""The opening-day rush: admitted students arrive at a fixed rate and each does the whole journey.

Run by bench/rush/run (which starts Matricule and seeds it); configured by environment variables:
RUSH_CANDIDATES (the JSON written by seed.py), RUSH_RATE (arrivals per second), RUSH_DURATION
(seconds during which students arrive), RUSH_MAILBOX (folder of the outgoing mail), RUSH_RESULTS
(JSON written at the end), RUSH_REFRESH (seconds between two refreshes of the waiting page),
RUSH_RETRIES (bench/faults: how many times a student sends a request again after a network
error or a 5xx answer, one second apart, as one reloads a page; 0 by default), RUSH_HOSTS
(bench/rush/run --cluster: the web nodes' base URLs, comma-separated; arrival k goes to node
k modulo their number for its whole journey, as a load balancer spreads new connections).

Open model: arrival k is due at start + k / rate whatever the state of the server (one locust
user per arrival), so slowness shows as longer journeys and errors, never as fewer arrivals.
"""

import base64
import itertools
import json
import os
import re
import time
import urllib.parse
import uuid
from pathlib import Path

import gevent
from journey_data import (
    CARD,
    CSRF_RE,
    FILES,
    LINK_RE,
    REGISTRATION_RE,
    STEPS,
    UPLOAD_RE,
    bank_form,
    htmx_headers,
    login_data,
    step_data,
)
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

RATE = float(os.environ.get("RUSH_RATE", "2"))
DURATION = float(os.environ.get("RUSH_DURATION", "30"))
MAILBOX = Path(os.environ.get("RUSH_MAILBOX", "var/mailbox"))
RESULTS = os.environ.get("RUSH_RESULTS", "")
REFRESH = float(os.environ.get("RUSH_REFRESH", "10"))
MAIL_TIMEOUT = float(os.environ.get("RUSH_MAIL_TIMEOUT", "60"))
QUEUE_TIMEOUT = float(os.environ.get("RUSH_QUEUE_TIMEOUT", "900"))
RETRIES = int(os.environ.get("RUSH_RETRIES", "0"))
HOSTS = [host for host in os.environ.get("RUSH_HOSTS", "").split(",") if host]
PEOPLE = (
    json.loads(Path(os.environ["RUSH_CANDIDATES"]).read_text())["candidates"]
    if os.environ.get("RUSH_CANDIDATES")
    else []
)


class JourneyError(Exception):
    pass


class Board:
    """What the whole run saw (one process, gevent: no locking needed)."""

    def __init__(self):
        self.start = None
        self.arrivals = itertools.count()
        self.arrivals_done = False
        self.started = self.completed = self.failed = self.late = self.in_flight = 0
        self.resumed = 0  # journeys completed after sending a request again (RUSH_RETRIES)
        self.first_arrival = self.last_completion = None
        self.failures: dict[str, int] = {}
        self.admissions: list[tuple[int, float, float]] = []  # ticket, waited from, let in at
        self.queued = 0
        self.journey_ms: list[float] = []
        self.mail_ms: list[float] = []
        self.times: dict[str, list[float]] = {}  # request name -> response times (ms)
        self.errors: dict[str, int] = {}

    def next_arrival(self):
        k = next(self.arrivals)
        due = self.start + k / RATE
        if k >= len(PEOPLE) or due - self.start >= DURATION:
            self.arrivals_done = True
            return None, None
        return k, due


BOARD = Board()


def multipart(fields: dict, file_field: str, filename: str, content_type: str, content: bytes):
    boundary = uuid.uuid4().hex
    start = f"--{boundary}\r\nContent-Disposition: form-data; "
    parts = [f'{start}name="{key}"\r\n\r\n{value}\r\n'.encode() for key, value in fields.items()]
    parts.append(
        f'{start}name="{file_field}"; filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def header(response, name: str) -> str | None:
    headers = response.headers or {}
    for key in (name, name.lower()):
        value = headers.get(key)
        if value:
            return value
    return None


class Student(FastHttpUser):
    wait_time = constant(0)
    # Keep-alive like a browser; one connection per student.
    concurrency = 1
    insecure = True
    # A request not answered in this time fails, as a reverse proxy's timeout or a student's
    # patience would make it fail (nginx proxy_read_timeout is 60 s by default).
    network_timeout = connection_timeout = float(os.environ.get("RUSH_TIMEOUT", "30"))

    def on_start(self):
        self.waited_from = None
        self.ticket = None
        self.retried = 0

    # --- HTTP helpers ---------------------------------------------------------------------------
    def go(
        self,
        method: str,
        url: str,
        name: str,
        *,
        data=None,
        body=None,
        content_type=None,
        expect=(200,),
        headers=None,
    ):
        """One request, as the browser makes it; the waiting room's page is waited through."""
        headers = dict(headers or {})
        payload = None
        if data is not None:
            payload = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload, headers["Content-Type"] = body, content_type
        queued_since = None
        retries_left = RETRIES
        while True:
            with self.client.request(
                method,
                url,
                name=name,
                data=payload,
                headers=headers,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                position = header(response, "X-Matricule-Queue")
                if position is not None and response.status_code == 200:
                    response.success()
                    queued_since = queued_since or time.time()
                    self.note_ticket(queued_since)
                    if time.time() - queued_since > QUEUE_TIMEOUT:
                        raise JourneyError("queue timeout")
                    gevent.sleep(page_refresh(response.text))
                    continue
                transient = response.status_code == 0 or response.status_code >= 500
                if transient and retries_left > 0 and response.status_code not in expect:
                    # A worker killed under the request, the database restarting: reload.
                    response.failure(f"{response.status_code} (sent again)")
                    retries_left -= 1
                    self.retried += 1
                    gevent.sleep(1)
                    continue
                if response.status_code not in expect:
                    response.failure(f"{response.status_code} (expected {expect})")
                    raise JourneyError(f"{name}: HTTP {response.status_code}")
                response.success()
                if queued_since is not None and self.ticket is not None:
                    BOARD.admissions.append((self.ticket, queued_since, time.time()))
                return response

    def note_ticket(self, queued_since):
        if self.waited_from is None:
            self.waited_from = queued_since
            BOARD.queued += 1
        for cookie in self.client.cookiejar:
            if cookie.name == "matricule_wr":
                try:
                    payload = cookie.value.split(":")[0]
                    card = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                except ValueError:
                    return
                if card[2] == "t":
                    self.ticket = card[3]

    def location(self, response) -> str:
        where = header(response, "Location")
        if not where:
            raise JourneyError("no redirect")
        return where

    def csrf(self, response) -> str:
        match = CSRF_RE.search(response.text or "")
        if not match:
            raise JourneyError("no CSRF token on the page")
        return match.group(1)

    # --- The journey ----------------------------------------------------------------------------
    @task
    def journey(self):
        k, due = BOARD.next_arrival()
        if k is None:
            raise StopUser()
        BOARD.in_flight += 1  # from now: the run ends once every arrival has finished
        delay = due - time.time()
        if delay > 0:
            gevent.sleep(delay)
        elif delay < -1:
            BOARD.late += 1
        person = PEOPLE[k]
        if HOSTS:
            self.client.base_url = HOSTS[k % len(HOSTS)]
        self.client.cookiejar.clear()
        self.retried = 0
        BOARD.started += 1
        BOARD.first_arrival = BOARD.first_arrival or time.time()
        began = time.time()
        try:
            self.run_journey(person)
        except JourneyError as error:
            BOARD.failed += 1
            reason = str(error).split(":")[0]
            BOARD.failures[reason] = BOARD.failures.get(reason, 0) + 1
            self.report("JOURNEY", "complete journey", began, error)
        else:
            BOARD.completed += 1
            BOARD.resumed += 1 if self.retried else 0
            BOARD.last_completion = time.time()
            BOARD.journey_ms.append((time.time() - began) * 1000)
            self.report("JOURNEY", "complete journey", began)
        finally:
            BOARD.in_flight -= 1
        raise StopUser()  # one arrival, one journey

    def report(self, request_type, name, began, error=None):
        """An entry of Locust's statistics that is not one request (the whole journey, the login
        email's delivery), timed from `began`; failed with `error`."""
        self.environment.events.request.fire(
            request_type=request_type,
            name=name,
            response_time=(time.time() - began) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    def run_journey(self, person):
        self.go("GET", "/", "01 public page")
        page = self.go("GET", "/connexion/", "02 login page")
        self.go(
            "POST",
            "/connexion/",
            "03 login request",
            expect=(302,),
            data={"csrfmiddlewaretoken": self.csrf(page), **login_data(person)},
        )
        self.go("GET", "/connexion/envoye/", "04 link sent page")
        link = self.read_link(person["email"])
        page = self.go("GET", link, "05 link landing")
        home = self.location(
            self.go(
                "POST", link, "06 link used", expect=(302,), data={"csrfmiddlewaretoken": self.csrf(page)}
            )
        )
        page = self.go("GET", home, "07 student home")
        where = self.location(
            self.go(
                "POST",
                "/inscription/commencer/",
                "08 start",
                expect=(302,),
                data={"csrfmiddlewaretoken": self.csrf(page)},
            )
        )
        registration = REGISTRATION_RE.search(where).group(1)
        page = self.go("GET", where, f"09 step 1 {STEPS[0]} (page)")
        for index, key in enumerate(STEPS):
            data = step_data(key, person)
            data.update(csrfmiddlewaretoken=self.csrf(page), action="next")
            # Sent by htmx as with JavaScript: the answer is the next step (the review page after
            # the last), its address pushed; no redirect, no GET of it (issue 20).
            page = self.go(
                "POST",
                where,
                f"10 step {index + 1} {key} (save)",
                data=data,
                headers=htmx_headers(self.client.base_url + where),
            )
            pushed = header(page, "HX-Push-Url")
            if not pushed:  # the step again, with its errors
                raise JourneyError(f"step {key} refused")
            where = pushed
        if "/verification/" not in where:
            raise JourneyError("no review page after the last step")
        pay = self.location(
            self.go("POST", where, "12 submit", expect=(302,), data={"csrfmiddlewaretoken": self.csrf(page)})
        )
        page = self.go("GET", pay, "13 payment page")
        page = self.go(
            "POST", pay, "14 payment start", data={"csrfmiddlewaretoken": self.csrf(page), "plan": "full"}
        )
        action, order = bank_form(page.text)
        self.go("POST", action, "15 bank card page", data=order)
        back = self.location(
            self.go(
                "POST",
                "/simulateur-paiement/carte/",
                "16 bank payment",
                expect=(302,),
                data={**order, **CARD},
            )
        )
        clean = self.location(self.go("GET", back, "17 payment return", expect=(302,)))
        status_url = f"/inscription/{registration}/"
        response = self.go("GET", clean, "18 payment outcome", expect=(200, 302))
        for _attempt in range(30):
            page = self.go("GET", status_url, "19 registration status")
            if "recapitulatif.pdf" in page.text:
                break
            gevent.sleep(1)  # confirmed by the bank's notification, not yet arrived
        else:
            raise JourneyError("not registered after payment")
        pdf = self.go("GET", f"/inscription/{registration}/recapitulatif.pdf", "20 summary download")
        if not pdf.content.startswith(b"%PDF"):
            raise JourneyError("summary: not a PDF")
        page = self.go("GET", f"/inscription/{registration}/pieces/", "21 documents page")
        uploads = UPLOAD_RE.findall(page.text)
        if len(uploads) < 3:
            raise JourneyError("documents: fewer than three to upload")
        for url, (filename, content_type, content) in zip(uploads, FILES, strict=False):
            body, kind = multipart(
                {"csrfmiddlewaretoken": self.csrf(page)}, "file", filename, content_type, content
            )
            # Sent by htmx as with JavaScript: the answer is the documents page with its message,
            # no redirect and no GET of it (issue 20).
            documents_url = self.client.base_url + f"/inscription/{registration}/pieces/"
            page = self.go(
                "POST",
                url,
                "22 document upload",
                body=body,
                content_type=kind,
                headers=htmx_headers(documents_url),
            )
            if "pièce reçue" not in page.text:
                raise JourneyError("upload: not received")
        page = self.go("GET", "/etudiant/", "24 student home (end)")
        self.go(
            "POST",
            "/deconnexion/",
            "25 log out",
            expect=(302,),
            data={"csrfmiddlewaretoken": self.csrf(page)},
        )
        del response

    def read_link(self, email: str) -> str:
        """The connection link, from the student's mailbox (written by the task worker)."""
        folder = MAILBOX / email.lower()
        began = time.time()
        while time.time() - began < MAIL_TIMEOUT:
            if folder.is_dir():
                for path in sorted(folder.glob("*.txt")):
                    match = LINK_RE.search(path.read_text(encoding="utf-8"))
                    if match:
                        # Kept aside, not deleted: bench/faults counts duplicates afterwards.
                        (folder / "read").mkdir(exist_ok=True)
                        path.rename(folder / "read" / path.name)
                        self.report("MAIL", "login email delivered", began)
                        return match.group(1)
            gevent.sleep(0.1)
        raise JourneyError("login email not received")


REFRESH_RE = re.compile(r'<meta http-equiv="refresh" content="(\d+)"')


def page_refresh(text: str) -> float:
    """The waiting page's own refresh period (shorter near the front), as a browser follows it."""
    found = REFRESH_RE.search(text or "")
    return float(found.group(1)) if found else REFRESH


def order_violations(admissions, tolerance: float) -> int:
    """Students let in later than a student with a higher ticket, beyond the refresh period."""
    violations, earliest_higher = 0, float("inf")
    for _ticket, _since, admitted in sorted(admissions, key=lambda row: row[0], reverse=True):
        if admitted > earliest_higher + tolerance:
            violations += 1
        earliest_higher = min(earliest_higher, admitted)
    return violations


WAITING = "00 waiting room page"


@events.request.add_listener
def on_request(request_type, name, response_time, exception=None, response=None, **kwargs):
    """Every request's time, by step; the waiting room's page counted apart from the step."""
    if request_type == "JOURNEY":
        return
    if request_type == "MAIL":
        BOARD.mail_ms.append(response_time)
        return
    if response is not None and header(response, "X-Matricule-Queue") is not None:
        name = WAITING
    BOARD.times.setdefault(name, []).append(response_time)
    if exception is not None:
        BOARD.errors[name] = BOARD.errors.get(name, 0) + 1


@events.test_start.add_listener
def on_start(environment, **kwargs):
    BOARD.start = time.time() + 2  # time for the users to be spawned

    def watch():
        # Stop as soon as every arrival has finished its journey.
        while True:
            gevent.sleep(1)
            if BOARD.arrivals_done and BOARD.in_flight == 0 and environment.runner is not None:
                gevent.sleep(1)
                environment.runner.quit()
                return

    gevent.spawn(watch)


@events.test_stop.add_listener
def on_stop(environment, **kwargs):
    if not RESULTS:
        return
    span = ((BOARD.last_completion or time.time()) - (BOARD.first_arrival or time.time())) or 1
    waits = sorted(admitted - since for _t, since, admitted in BOARD.admissions)
    Path(RESULTS).write_text(
        json.dumps(
            {
                "started": BOARD.started,
                "completed": BOARD.completed,
                "resumed": BOARD.resumed,
                "failed": BOARD.failed,
                "failures": BOARD.failures,
                "late_arrivals": BOARD.late,
                "span_s": span,
                "queued": BOARD.queued,
                "admitted_from_queue": len(BOARD.admissions),
                "order_violations": order_violations(BOARD.admissions, REFRESH + 1),
                "queue_wait_max_s": waits[-1] if waits else 0,
                "queue_wait_median_s": waits[len(waits) // 2] if waits else 0,
                "journey_ms": BOARD.journey_ms,
                "mail_ms": BOARD.mail_ms,
                "times": BOARD.times,
                "errors": BOARD.errors,
                "rate": RATE,
                "duration": DURATION,
            }
        )
    )
