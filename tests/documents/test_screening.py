"""Every upload is read with a size bound and checked in the bounded sandbox: hostile files of
several kinds are refused for their own reason, within a memory limit far below what they would
cost, and a file that defeats a parser in a way nobody listed is refused, not a server error."""

import io

import pytest
from django.utils import translation
from PIL import Image

from matricule.documents import sandbox
from matricule.documents.checks import UploadRefused
from matricule.documents.screening import screen_upload

from . import bombs

# Far less than any of the bombs below would take once inflated or decoded.
TIGHT = {"MATRICULE_SANDBOX_MEMORY_MB": 256, "MATRICULE_SANDBOX_CPU_SECONDS": 30}


@pytest.fixture
def tight(settings):
    for name, value in TIGHT.items():
        setattr(settings, name, value)


def refusal(data) -> UploadRefused:
    with pytest.raises(UploadRefused) as raised:
        screen_upload(data)
    return raised.value


def test_a_valid_pdf_comes_back_checked(tight):
    checked = screen_upload((bombs.CORPUS / "valid.pdf").read_bytes())
    assert checked.kind == "pdf" and checked.pages == 2


@pytest.mark.parametrize(
    "build, code",
    [
        (bombs.inflation_bomb, "inflated_too_large"),  # 3 MB holding 3 GiB in one content stream
        (bombs.object_stream_bomb, "inflated_too_large"),  # the same in an unused object stream
        (bombs.image_bomb, "pdf_image_too_large"),  # 10^10 pixels in 3 KB
        (lambda: bombs.many_objects(150_000), "too_complex"),  # 9 MB of tiny objects
        (bombs.huge_page, "page_too_large"),
        (bombs.deep_nesting, "invalid_pdf"),
    ],
)
def test_pdf_bombs_are_refused_for_their_reason_within_a_tight_memory_limit(tight, build, code):
    data = build()
    assert len(data) < 10 * 1024 * 1024
    assert refusal(data).code == code


def large_photo() -> bytes:
    image = Image.linear_gradient("L").resize((6000, 5000)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_file_over_the_sandbox_limits_is_refused_with_a_clear_message(settings):
    """Not a bomb of a known kind: a photo the limits cannot afford to decode is refused for
    that, whatever part of the decoder gives up first."""
    data = large_photo()
    settings.MATRICULE_SANDBOX_MEMORY_MB = 128
    refused = refusal(data)
    assert refused.code == "over_limits"
    with translation.override("en"):
        assert "more memory or time" in refused.text
    with translation.override("fr"):
        assert "mémoire" in refused.text
    settings.MATRICULE_SANDBOX_MEMORY_MB = 768
    assert screen_upload(data).kind == "jpeg"  # the limit, not the file, refused it


def test_an_unforeseen_parser_failure_is_a_refusal_not_a_server_error(monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("broken data stream when writing image file")

    monkeypatch.setattr(sandbox, "run", fail)
    refused = refusal((bombs.CORPUS / "valid.png").read_bytes())
    assert refused.code == "check_failed"


def test_only_one_byte_over_the_limit_is_ever_read(settings):
    settings.MATRICULE_UPLOAD_MAX_BYTES = 1000

    class Endless(io.RawIOBase):
        read_total = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            Endless.read_total += len(buffer)
            buffer[:] = b"%" * len(buffer)
            return len(buffer)

    assert refusal(io.BufferedReader(Endless(), 100)).code == "too_large"
    assert Endless.read_total < 10_000
