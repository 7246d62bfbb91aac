"""Issue 18, item 3: one student's journey alternating between two web nodes request by request,
with no disk in common: sessions, CSRF, the waiting room, the login link, the bank's round trip,
uploads, previews, issued PDFs and exports all live in PostgreSQL, Redis and the bucket. The
files end up in the bucket and no node keeps anything on its own disk but what it was deployed
with."""

import html
import io
import itertools
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import requests

from tests.registration.answers import ANSWERS

from .stack import BUCKET, files_under, wait_until

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK_RE = re.compile(r"https?://[^\s/]+(/connexion/lien/[^\s/]+/)")
REGISTRATION_RE = re.compile(r"/inscription/(\d+)/")
BANK_FORM_RE = re.compile(r'<form method="post" action="([^"]+)" data-autosubmit>')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
UPLOAD_RE = re.compile(r'action="(/inscription/\d+/pieces/\d+/)"')
PREVIEW_RE = re.compile(r'"(/gestion/fichier/\d+/page/\d+\.png)"')
CARD = {"action": "pay", "number": "4111 1111 1111 1111", "expiry": "12/30", "cvc": "123"}


class Browser:
    """One student's (or agent's) browser behind a load balancer that sends each request to the
    next node in turn: one cookie jar (cookies ignore the port), every answer checked."""

    def __init__(self, nodes, s3_url: str):
        self.session = requests.Session()
        # No page, header or redirect may send the browser to the object store itself.
        self.s3_address = urlsplit(s3_url).netloc
        self.s3_links: list[str] = []
        self.nodes = itertools.cycle(nodes)
        self.served: list[tuple[str, str, str]] = []  # node, method, path

    def request(self, method: str, path: str, *, expect=(200,), **kwargs) -> requests.Response:
        path = local(path)
        node = next(self.nodes)
        response = self.session.request(method, node.url + path, allow_redirects=False, timeout=60, **kwargs)
        self.served.append((node.name, method, path))
        if (
            self.s3_address in response.headers.get("Location", "")
            or self.s3_address.encode() in response.content
        ):
            self.s3_links.append(path)
        assert response.status_code in expect, (
            f"{method} {path} on {node.name}: HTTP {response.status_code}\n{response.text[:2000]}"
        )
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, page: requests.Response | None = None, **kwargs):
        """A form sent from `page` (its CSRF token); a redirect is expected unless told."""
        data = dict(data or {})
        if page is not None:
            data["csrfmiddlewaretoken"] = csrf(page)
        kwargs.setdefault("expect", (302,))
        return self.request("POST", path, data=data, **kwargs)


def local(url: str) -> str:
    """The path of an address that names the site (links in emails, the bank's return)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf(page: requests.Response) -> str:
    match = CSRF_RE.search(page.text)
    assert match, f"no CSRF token on {page.url}"
    return match.group(1)


def location(response: requests.Response) -> str:
    return local(response.headers["Location"])


def read_link(mail_dir: Path, email: str) -> str:
    """The connection link from the mail the task worker wrote (the file email backend)."""

    def found():
        for path in sorted(mail_dir.glob("*.log")) if mail_dir.is_dir() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            if email in text:
                match = LINK_RE.search(text)
                if match:
                    return match.group(1)
        return None

    return wait_until(found, f"the connection email to {email}", timeout=60)


def sample_files():
    """A two-page PDF (its pages get previews) and a PNG photo, alternately."""
    from PIL import Image
    from reportlab.pdfgen import canvas

    pdf = io.BytesIO()
    document = canvas.Canvas(pdf)
    for number in (1, 2):
        document.drawString(72, 720, f"Justificatif - page {number}")
        document.showPage()
    document.save()
    png = io.BytesIO()
    Image.new("RGB", (300, 400), (30, 60, 200)).save(png, "PNG")
    return itertools.cycle(
        [("justificatif.pdf", "application/pdf", pdf.getvalue()), ("photo.png", "image/png", png.getvalue())]
    )


def step_answers(key: str, person: dict) -> dict:
    data = dict(ANSWERS[key])
    if key == "social":  # no grant: the student pays, through the bank
        data.update(grant="none", pupille="no")
    if key == "contacts":
        data.update(email=person["email"], email_confirmation=person["email"])
    if key == "cvec":
        data["attestation"] = person["cvec"]
    return data


def register_and_pay(student: Browser, person: dict, mail_dir: Path) -> int:
    page = student.get("/connexion/")
    student.post(
        "/connexion/",
        {"number": person["number"], "birth_date": person["birth_date"], "email": person["email"]},
        page,
    )
    link = read_link(mail_dir, person["email"])
    page = student.get(link)
    home = location(student.post(link, page=page))
    page = student.get(home)
    where = location(student.post("/inscription/commencer/", page=page))
    registration = int(REGISTRATION_RE.search(where).group(1))
    for key in ANSWERS:
        page = student.get(where)
        where = location(student.post(where, {**step_answers(key, person), "action": "next"}, page))
    page = student.get(where)
    pay = location(student.post(where, page=page))

    page = student.get(pay)
    page = student.post(pay, {"plan": "full"}, page, expect=(200,))
    action = BANK_FORM_RE.search(page.text).group(1)
    order = {key: html.unescape(value) for key, value in HIDDEN_RE.findall(page.text)}
    student.post(action, order, expect=(200,))
    back = location(student.post("/simulateur-paiement/carte/", {**order, **CARD}))
    outcome = location(student.get(back, expect=(302,)))
    student.get(outcome, expect=(200, 302))
    # Registered once the bank's notification (sent by the task worker to the site) is in.
    wait_until(
        lambda: "recapitulatif.pdf" in student.get(f"/inscription/{registration}/").text,
        "the registration to be paid and registered",
        timeout=60,
        every=0.5,
    )
    return registration


def upload_documents(student: Browser, registration: int) -> int:
    documents = f"/inscription/{registration}/pieces/"
    page = student.get(documents)
    uploads = UPLOAD_RE.findall(page.text)
    assert uploads, "no document to upload"
    files = sample_files()
    for url in uploads:
        name, kind, content = next(files)
        student.request(
            "POST",
            url,
            expect=(302,),
            data={"csrfmiddlewaretoken": csrf(page)},
            files={"file": (name, content, kind)},
        )
        page = student.get(documents)
    assert page.text.count("En attente de vérification") == len(uploads), page.text
    return len(uploads)


def sign_in_agent(agent: Browser, username: str, totp_secret: str):
    page = agent.get("/gestion/connexion/")
    second = location(
        agent.post("/gestion/connexion/", {"username": username, "password": "matricule-agent"}, page)
    )
    page = agent.get(second)
    assert location(agent.post(second, {"code": pyotp.TOTP(totp_secret).now()}, page)) == "/gestion/"


def review_all(agent: Browser, registration: int) -> int:
    """Opens every page preview (rendered and stored by the node that serves it), then validates
    each document, each decision on the node after the page's."""
    review = f"/gestion/pieces/{registration}/"
    page = agent.get(review)
    previews = sorted(set(PREVIEW_RE.findall(page.text)))
    for preview in previews:
        image = agent.get(preview)
        assert image.headers["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    for _decision in range(len(re.findall(r'name="submission"', page.text))):
        waiting = re.search(
            r'name="submission" value="(\d+)">(?:(?!</form>).)*value="validate"', page.text, re.S
        )
        if waiting is None:
            break
        agent.post(review, {"submission": waiting.group(1), "decision": "validate"}, page)
        page = agent.get(review)
    return len(previews)


def export_registrations(agent: Browser) -> bytes:
    """A registrations export, prepared in the background (the cluster queues every export): asked
    for on one node, written to the bucket by the task worker, downloaded from the other."""
    page = agent.get("/gestion/exports/?export=registrations")
    year = re.search(r'<option value="(\d+)" selected>', page.text).group(1)
    columns = re.findall(r'name="columns" value="([^"]+)"', page.text)
    progress = location(
        agent.post(
            "/gestion/exports/",
            {"export": "registrations", "year": year, "columns": columns, "format": "csv"},
            page,
        )
    )
    download = progress.replace("/suivi/", "/telecharger/")
    ready = wait_until(
        lambda: (answer := agent.get(download, expect=(200, 404))).status_code == 200 and answer,
        "the export to be prepared",
        timeout=60,
        every=0.5,
    )
    return ready.content


def test_a_journey_alternating_between_two_nodes_keeps_every_file_in_the_bucket(cluster):
    began = time.monotonic()
    person = cluster.seed()
    node_a, node_b = cluster.nodes
    mail_dir = cluster.worker.var_dir / "mail"
    keys_before = set(cluster.bucket_keys())
    student = Browser([node_a, node_b], cluster.s3_url)
    agent = Browser([node_b, node_a], cluster.s3_url)
    try:
        registration = register_and_pay(student, person, mail_dir)
        summary = student.get(f"/inscription/{registration}/recapitulatif.pdf")
        assert summary.content.startswith(b"%PDF")

        uploaded = upload_documents(student, registration)
        sign_in_agent(agent, "agent.chartres", person["agent_totp"])
        previews = review_all(agent, registration)
        assert previews >= 2  # the pages of the PDFs

        page = student.get(f"/inscription/{registration}/")
        assert "certificat de scolarité est disponible" in page.text
        student.get(f"/inscription/{registration}/certificat/")
        certificate = student.get(f"/inscription/{registration}/certificat-fr.pdf")
        assert certificate.content.startswith(b"%PDF")

        exported = export_registrations(agent)
        assert "LEFÈVRE" in exported.decode("utf-8-sig"), exported[:500]
    except BaseException:
        print(cluster.logs())
        raise

    # The waiting room let the student in (its signed ticket, checked by both nodes).
    assert "matricule_wr" in student.session.cookies
    # Every request alternated: no two requests in a row on one node.
    for browser in (student, agent):
        names = [name for name, _method, _path in browser.served]
        assert all(a != b for a, b in itertools.pairwise(names)), names
        assert {"node-a", "node-b"} == set(names)
        assert browser.s3_links == []  # files are streamed by the nodes after their access checks

    # The files are objects in the bucket: uploaded versions, their page previews, the issued PDFs
    # (summary and certificate; the confirmation email's summary may add one) and the export.
    new_keys = sorted(set(cluster.bucket_keys()) - keys_before)
    documents = [key for key in new_keys if key.startswith(f"documents/{registration}/")]
    previews_stored = [key for key in new_keys if key.startswith(f"previews/{registration}/")]
    issued = [key for key in new_keys if key.startswith("issued/")]
    exports = [key for key in new_keys if key.startswith("exports/")]
    assert len(documents) == uploaded, new_keys
    assert len(previews_stored) >= previews, new_keys
    assert len(issued) >= 2, new_keys
    assert len(exports) == 1, new_keys
    objects = cluster.s3()
    public = {
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
    }
    for key in new_keys:
        assert objects.head_object(Bucket=BUCKET, Key=key)["ContentLength"] > 0
        grants = objects.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert not {grant["Grantee"].get("URI") for grant in grants} & public, (key, grants)

    # Nothing was written to a node's own disk at run time: each VAR_DIR holds exactly what it
    # was deployed with (the collected static files), and the worker's only adds the mail the
    # file email backend writes there for this test.
    for node in cluster.nodes:
        assert files_under(node.var_dir) == cluster.deployed[node.name], node.name
    # Their temporary folders keep no file once the requests are answered (the checking child
    # processes' sockets are not files).
    for node in cluster.nodes:
        assert files_under(node.tmp_dir) == set(), node.name
    worker_files = files_under(cluster.worker.var_dir) - cluster.deployed["worker"]
    assert worker_files and all(path.startswith("mail/") for path in worker_files), worker_files
    requests_made = len(student.served) + len(agent.served)
    print(f"two-node journey: {time.monotonic() - began:.1f} s, {requests_made} requests")
    print("objects in the bucket:", *new_keys, sep="\n  ")
