"""What the simulated students type and send (shared by the locustfile and the profiler)."""

import html
import io
import re

from tests.registration.answers import ANSWERS as VALID_ANSWERS

# The valid answers of the registration tests, but for the grant: these students pay their fees.
# Each sends their own email address and CVEC attestation (`step_data`).
ANSWERS = {key: dict(values) for key, values in VALID_ANSWERS.items()}
ANSWERS["social"].update(grant="none", pupille="no")
STEPS = list(ANSWERS)

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK_RE = re.compile(r"https?://[^\s/]+(/connexion/lien/[^\s/]+/)")
REGISTRATION_RE = re.compile(r"/inscription/(\d+)/")
FORM_RE = re.compile(r'<form method="post" action="([^"]+)" data-autosubmit>')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
UPLOAD_RE = re.compile(r'action="(/inscription/\d+/pieces/\d+/)"')


def htmx_headers(current_url: str) -> dict:
    """What htmx adds to a step's save or an upload, as a browser with JavaScript sends them
    (step.html, documents/student.html): the answer is then the next page itself (a step's
    address in HX-Push-Url), not a redirect to it."""
    return {"HX-Request": "true", "HX-Current-URL": current_url}


# What the student types on the simulated bank's card page.
CARD = {"action": "pay", "number": "4111 1111 1111 1111", "expiry": "12/30", "cvc": "123"}


def login_data(person: dict) -> dict:
    """The login request (after the CSRF token): the candidate's number, birth date and email."""
    return {"number": person["number"], "birth_date": person["birth_date"], "email": person["email"]}


def step_data(key: str, person: dict) -> dict:
    """The answers the student sends at a step: the valid ones, with their own email address
    and CVEC attestation (the CSRF token and the action are added by the caller)."""
    data = dict(ANSWERS[key])
    if key == "contacts":
        data.update(email=person["email"], email_confirmation=person["email"])
    if key == "cvec":
        data["attestation"] = person["cvec"]
    return data


def bank_form(text: str) -> tuple[str, dict]:
    """The payment page's self-submitting form to the bank: its address and hidden fields."""
    action = FORM_RE.search(text).group(1)
    return action, {key: html.unescape(value) for key, value in HIDDEN_RE.findall(text)}


def _sample_files():
    """A one-page PDF and a phone-sized JPEG, made once."""
    from PIL import Image
    from reportlab.pdfgen import canvas

    pdf = io.BytesIO()
    page = canvas.Canvas(pdf)
    page.drawString(72, 720, "Attestation - banc d'essai Matricule")
    page.showPage()
    page.save()
    jpeg = io.BytesIO()
    Image.new("RGB", (900, 1200), (200, 180, 160)).save(jpeg, "JPEG", quality=85)
    return [
        ("identite.pdf", "application/pdf", pdf.getvalue()),
        ("photo.jpg", "image/jpeg", jpeg.getvalue()),
        ("cvec.pdf", "application/pdf", pdf.getvalue()),
    ]


FILES = _sample_files()
