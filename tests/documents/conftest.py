import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.payments.conftest import submitted_registration


@pytest.fixture(autouse=True)
def private_media(immediate_tasks):
    """The modules that import this run their tasks at once; their files go to the test's own
    folder, as every test's do (`private_storage`, tests/conftest.py)."""


def png_bytes(width=40, height=30, color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(pages=1) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for n in range(pages):
        pdf.drawString(100, 700, f"Page {n + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def upload_file(name="photo.png", content=None):
    return SimpleUploadedFile(name, content if content is not None else png_bytes(), "image/png")


@pytest.fixture
def registered(demo, demo_candidates, django_capture_on_commit_callbacks):
    """Chloé, registered as a grant holder (nothing to pay): her documents are required."""
    with django_capture_on_commit_callbacks(execute=True):
        return submitted_registration(demo_candidates["accepted"], demo.current_year, grant="crous")
