# ruff: noqa: F811 - fixtures imported from conftest modules are used as arguments
"""Previews are made once per version, in the bounded sandbox, stored and served from storage;
a file that defeats the renderer is marked and never tried again, and the web process is
unharmed."""

import io
import resource

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from matricule.documents import previews, sandbox, services
from matricule.documents.models import Preview, Version
from tests.documents.conftest import pdf_bytes, png_bytes, private_media, registered, upload_file  # noqa: F401

from . import bombs


def uploaded(registration, content: bytes) -> Version:
    submission = registration.submissions.first()
    return services.upload(submission, upload_file(content=content), actor=registration.student.user)


def stored_as_is(registration, content: bytes) -> Version:
    """A version written straight to storage, as if a hostile file had passed every check."""
    submission = registration.submissions.first()
    version = Version(
        submission=submission, extension=".pdf", content_type="application/pdf", size=len(content), sha256="0"
    )
    version.file.save("upload.pdf", ContentFile(content), save=False)
    version.save()
    return version


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = sandbox.run

    def run(*args, **kwargs):
        calls.append(args[0].__name__)
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox, "run", run)
    return calls


@pytest.mark.django_db
def test_pdf_pages_are_rendered_once_then_served_from_storage(registered, counted):
    version = uploaded(registered, pdf_bytes(7))
    counted.clear()
    made = previews.previews_of(version)
    assert [p.page for p in made] == [1, 2, 3, 4, 5]  # the first five pages
    assert counted == ["preview_images"]
    with made[0].file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert image.format == "PNG" and image.width == previews.PREVIEW_WIDTH
    again = previews.previews_of(Version.objects.get(pk=version.pk))
    assert [p.file.name for p in again] == [p.file.name for p in made]
    assert counted == ["preview_images"]  # not rendered again


@pytest.mark.django_db
def test_an_image_has_one_reduced_preview_in_its_own_format(registered):
    version = uploaded(registered, png_bytes(2000, 1000))
    (preview,) = previews.previews_of(version)
    assert preview.content_type == "image/png"
    with preview.file.open("rb") as handle:
        assert Image.open(io.BytesIO(handle.read())).size == (1200, 600)
    assert previews.preview_page(version, 2) is None


@pytest.mark.django_db
def test_a_render_over_the_memory_limit_marks_the_version_and_spares_the_web_process(
    registered, settings, counted
):
    settings.MATRICULE_SANDBOX_MEMORY_MB = 256
    version = stored_as_is(registered, bombs.inflation_bomb())  # 3 GiB once inflated
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert previews.previews_of(version) == []
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB
    version.refresh_from_db()
    assert version.preview_error in ("memory", "crashed")
    assert not Preview.objects.filter(version=version).exists()
    counted.clear()
    assert previews.previews_of(version) == []
    assert counted == []  # marked: not tried on every view


@pytest.mark.django_db
def test_a_render_past_the_time_limit_is_marked(registered, monkeypatch):
    def late(*args, **kwargs):
        raise sandbox.LimitExceeded("time")

    monkeypatch.setattr(sandbox, "run", late)
    version = stored_as_is(registered, pdf_bytes(1))
    assert previews.previews_of(version) == []
    version.refresh_from_db()
    assert version.preview_error == "time"


@pytest.mark.django_db
def test_a_file_the_renderer_cannot_read_is_marked_invalid(registered):
    version = stored_as_is(registered, b"%PDF-1.7\nnot really a pdf\n%%EOF")
    assert previews.previews_of(version) == []
    version.refresh_from_db()
    assert version.preview_error == "invalid"
