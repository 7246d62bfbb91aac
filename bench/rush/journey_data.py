"""What the simulated students type and send (shared by the locustfile and the profiler)."""

import html
import io
import re

# Valid answers for every step, as a student types them (tests/registration/conftest.py).
ANSWERS = {
    "identity": {
        "usual_name": "",
        "birth_town": "Chartres",
        "birth_country": "France",
        "nationality": "Française",
    },
    "ine": {"has_ine": "yes", "ine": "0494004062m", "no_ine_reason": ""},
    "baccalaureate": {
        "kind": "french",
        "year": "2026",
        "series": "Générale",
        "honours": "Bien",
        "school": "0280007F",
        "equivalent_name": "",
        "equivalent_country": "",
    },
    "previous": {
        "last_situation": "secondary",
        "last_establishment": "Lycée Marceau",
        "last_establishment_year": "2026",
    },
    "contacts": {
        "street": "12 rue des Écuyers",
        "postal_code": "28000",
        "city": "Chartres",
        "country": "France",
        "same_permanent_address": "yes",
        "permanent_address": "",
        "phone": "06 12 34 56 78",
        "emergency_name": "Anne Lefèvre",
        "emergency_phone": "06 98 76 54 32",
    },
    "social": {"grant": "none", "pupille": "no", "employed": "no", "athlete": "no", "accommodation": "no"},
    "cvec": {},
    "programme": {
        "confirm_stage": "on",
        "photo_on_card": "yes",
        "accept_rules": "on",
        "accept_privacy": "on",
    },
}
STEPS = list(ANSWERS)

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK_RE = re.compile(r"https?://[^\s/]+(/connexion/lien/[^\s/]+/)")
REGISTRATION_RE = re.compile(r"/inscription/(\d+)/")
FORM_RE = re.compile(r'<form method="post" action="([^"]+)" data-autosubmit>')
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
UPLOAD_RE = re.compile(r'action="(/inscription/\d+/pieces/\d+/)"')

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
