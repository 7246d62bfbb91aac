"""Upload checks against the corpus in tests/data/uploads (no database needed)."""

import contextlib
import hashlib
import importlib.util
import io
import random
import struct
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, ImageFile

from matricule.documents import checks
from matricule.documents.checks import CheckedFile, UploadRefused, check_upload

CORPUS = Path(__file__).resolve().parent.parent / "data" / "uploads"
MB = 1024 * 1024
LIMITS = {"max_bytes": 10 * MB, "max_pages": 10}

# Every hostile or broken file of the corpus, with the code it must be refused with.
HOSTILE = {
    "pdf_with_javascript.pdf": "javascript",
    "pdf_openaction_javascript.pdf": "javascript",
    "pdf_page_aa_javascript.pdf": "javascript",
    "pdf_link_javascript.pdf": "javascript",
    "pdf_with_launch_action.pdf": "launch_action",
    "pdf_with_embedded_file.pdf": "embedded_file",
    "pdf_with_file_attachment_annotation.pdf": "embedded_file",
    "pdf_with_xfa.pdf": "active_content",
    "encrypted.pdf": "encrypted",
    "encrypted_owner_only.pdf": "encrypted",
    "pdf_with_trailing_zip.pdf": "trailing_data",
    "truncated.pdf": "truncated",
    "garbage.pdf": "invalid_pdf",
    "executable_renamed.pdf": "unsupported_type",
    "elf_renamed.jpg": "unsupported_type",
    "zip_renamed.pdf": "unsupported_type",
    "svg_with_script.svg": "unsupported_type",
    "png_zip_polyglot.png": "trailing_data",
    "jpeg_zip_polyglot.jpg": "trailing_data",
    "huge_pixels.png": "too_many_pixels",
    "huge_pixels.jpg": "too_many_pixels",
    "truncated.jpg": "truncated",
    "truncated.png": "truncated",
    "corrupt.png": "invalid_image",
}
# The sentence the student reads, for the cases the acceptance names.
EXPECTED_TEXT = {
    "pdf_with_javascript.pdf": "This PDF contains a script: print it to PDF again or scan the paper.",
    "encrypted.pdf": "This PDF is protected by a password: upload a version without password.",
    "encrypted_owner_only.pdf": "This PDF is encrypted (protected against copying or printing): "
    "print it to PDF again to remove the protection.",
    "executable_renamed.pdf": "This file is not a PDF, JPEG, PNG or HEIC photo.",
    "svg_with_script.svg": "This file is not a PDF, JPEG, PNG or HEIC photo.",
    "huge_pixels.png": "The photo is too large (20000 × 20000 pixels): "
    "at most 40 million pixels are accepted.",
    "truncated.jpg": "This file is incomplete (the transfer was probably interrupted): upload it again.",
    "png_zip_polyglot.png": "This file contains extra data after its end (possibly another hidden file): "
    "export or scan the document again.",
}
VALID = {"valid.pdf": "pdf", "valid.jpg": "jpeg", "valid.png": "png", "valid.heic": "jpeg"}


@pytest.fixture(autouse=True)
def english():
    # Messages are compared with their English source; the project's default language is French.
    with translation.override("en"):
        yield


def corpus(name: str) -> bytes:
    path = CORPUS / name
    if name == "valid.heic" and not path.exists():
        pytest.skip("valid.heic not generated: this pillow-heif build has no HEVC encoder")
    return path.read_bytes()


def refused(data, **limits) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        check_upload(data, **{**LIMITS, **limits})
    return caught.value


def load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_chunk_types(data: bytes) -> list[bytes]:
    pos, types = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        types.append(kind)
        pos += 12 + length
    return types


# --- The corpus ---------------------------------------------------------------------------------


def test_corpus_and_tests_list_the_same_files():
    on_disk = {path.name for path in CORPUS.iterdir() if path.is_file() and path.suffix != ".py"}
    assert on_disk - {"valid.heic"} == (set(HOSTILE) | set(VALID)) - {"valid.heic"}


def test_corpus_stays_small():
    assert sum(path.stat().st_size for path in CORPUS.iterdir()) < 3 * MB


@pytest.mark.parametrize(("name", "code"), sorted(HOSTILE.items()))
def test_every_hostile_file_is_refused_with_a_clear_message(name, code):
    refusal = refused(corpus(name))
    assert refusal.code == code
    text = refusal.text
    assert text.endswith(".") and "%(" not in text and len(text) > 15
    if name in EXPECTED_TEXT:
        assert text == EXPECTED_TEXT[name]


@pytest.mark.parametrize(("name", "kind"), sorted(VALID.items()))
def test_every_valid_file_passes(name, kind):
    data = corpus(name)
    checked = check_upload(data, **LIMITS)
    assert isinstance(checked, CheckedFile)
    assert checked.kind == kind
    assert checked.extension == {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}[kind]
    assert checked.content_type == {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[kind]
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    # What we store passes the checks again.
    again = check_upload(checked.content, **LIMITS)
    assert (again.kind, again.width, again.height) == (kind, checked.width, checked.height)
    assert again.pages == checked.pages


def test_the_generator_still_builds_the_same_corpus(tmp_path):
    names = load_make_corpus().build(tmp_path)
    assert set(names) | {"valid.heic"} == set(HOSTILE) | set(VALID)
    for name in names:
        data = (tmp_path / name).read_bytes()
        if name in HOSTILE:
            assert refused(data).code == HOSTILE[name], name
        else:
            assert check_upload(data, **LIMITS).kind == VALID[name]


# --- PDF ----------------------------------------------------------------------------------------


def test_valid_pdf_is_stored_as_uploaded_with_its_page_count():
    data = corpus("valid.pdf")
    checked = check_upload(data, **LIMITS)
    assert checked.content == data
    assert checked.pages == 2 and checked.width is None
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_page_limit():
    refusal = refused(corpus("valid.pdf"), max_pages=1)
    assert refusal.code == "too_many_pages"
    assert refusal.text == "This PDF has 2 pages: only 1 page is accepted for this document."
    assert check_upload(corpus("valid.pdf"), max_bytes=10 * MB, max_pages=2).pages == 2


def test_page_count_is_the_real_one_not_the_declared_one():
    make = load_make_corpus()
    lying = make.raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 1 >>",
            *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * 3,
        ]
    )
    assert refused(lying, max_pages=2).code == "too_many_pages"


def test_pdf_without_pages_is_refused():
    make = load_make_corpus()
    empty = make.raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    assert refused(empty).code == "no_pages"


def test_harmless_pdf_features_are_accepted():
    """Links to web pages, ordinary (AcroForm) fields and padding after %%EOF are not active content."""
    make = load_make_corpus()
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [5 0 R] >>"
    data = make.raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] >> /OpenAction [3 0 R /Fit] >>",
            make.ONE_PAGE[0],
            page,
            make.ONE_PAGE[2],
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100]"
            b" /A << /S /URI /URI (https://www.univ-orleans.fr/) >> >>",
        ]
    )
    assert check_upload(data + b"\r\n\x00\x00", **LIMITS).pages == 1


def test_pdf_incremental_update_is_accepted():
    from pypdf import PdfWriter

    writer = PdfWriter(io.BytesIO(corpus("valid.pdf")), incremental=True)
    writer.add_metadata({"/Title": "Attestation"})
    buffer = io.BytesIO()
    writer.write(buffer)
    assert buffer.getvalue().count(b"%%EOF") == 2
    assert check_upload(buffer.getvalue(), **LIMITS).pages == 2


def test_inflated_size_is_counted_up_to_the_budget_only(monkeypatch):
    from tests.documents import bombs

    monkeypatch.setattr(checks, "MAX_PDF_INFLATED_BYTES", 5 * MB)
    assert refused(bombs.inflation_bomb(8)).code == "inflated_too_large"
    assert refused(bombs.inflation_bomb(8)).params == {"limit": 5}
    assert check_upload(bombs.inflation_bomb(4), **LIMITS).pages == 1


def test_images_inside_a_pdf_are_bounded_by_their_pixels():
    from tests.documents import bombs

    assert check_upload(bombs.image_bomb(6000, 6000), **LIMITS).pages == 1  # 36 Mpx: an A4 at 600 dpi
    refusal = refused(bombs.image_bomb(7000, 7000))
    assert refusal.code == "pdf_image_too_large"
    assert refusal.params == {"width": 7000, "height": 7000}


def test_pages_larger_than_the_pdf_reference_allows_are_refused():
    from tests.documents import bombs

    assert check_upload(bombs.huge_page(14_400), **LIMITS).pages == 1
    assert refused(bombs.huge_page(14_401)).code == "page_too_large"


def test_objects_written_in_the_file_are_counted_before_parsing(monkeypatch):
    from tests.documents import bombs

    data = bombs.many_objects(20)
    assert check_upload(data, **LIMITS).pages == 1
    monkeypatch.setattr(checks, "MAX_PDF_OBJECTS", 10)
    monkeypatch.setattr(checks, "_check_pdf_size", lambda reader: pytest.fail("parsed"))
    assert refused(data).code == "too_complex"


def test_pdf_object_walk_is_bounded(monkeypatch):
    monkeypatch.setattr(checks, "MAX_PDF_OBJECTS", 3)
    assert refused(corpus("valid.pdf")).code == "too_complex"


# --- Size and type ------------------------------------------------------------------------------


def test_oversized_file_is_refused_before_anything_else():
    data = b"%PDF-1.7\n" + b"0" * (11 * MB)
    refusal = refused(data)
    assert refusal.code == "too_large"
    assert refusal.text == "The file is larger than 10 MB."


def test_exactly_at_the_limit_is_checked_normally():
    data = corpus("valid.pdf")
    assert check_upload(data, max_bytes=len(data), max_pages=10).pages == 2
    assert refused(data, max_bytes=len(data) - 1).code == "too_large"


class CountingReader(io.RawIOBase):
    """An endless upload stream that records how much was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"\xff" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def test_only_max_bytes_plus_one_is_read_from_a_stream():
    stream = CountingReader()
    assert refused(stream, max_bytes=5 * MB).code == "too_large"
    assert stream.read_bytes == 5 * MB + 1


def test_django_uploaded_file_is_read_from_its_start():
    upload = SimpleUploadedFile("whatever.exe", corpus("valid.png"), content_type="application/x-msdownload")
    upload.read(10)  # a form already peeked at it
    checked = check_upload(upload, **LIMITS)
    assert checked.kind == "png"


def test_name_and_browser_type_are_ignored():
    upload = SimpleUploadedFile("identity.pdf", corpus("svg_with_script.svg"), content_type="application/pdf")
    assert refused(upload).code == "unsupported_type"


def test_empty_file():
    refusal = refused(b"")
    assert refusal.code == "empty" and refusal.text == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"II*\x00\x08\x00\x00\x00",  # TIFF
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1",  # AVIF is not HEIC
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",  # a video
        b"%!PS-Adobe-3.0\n",
        b" %PDF-1.7\n",  # not at offset 0
    ],
)
def test_other_types_are_refused(data):
    assert refused(data).code == "unsupported_type"


def test_refusal_is_a_django_validation_error():
    refusal = refused(corpus("encrypted.pdf"))
    assert isinstance(refusal, ValidationError)
    assert refusal.messages == [refusal.text]
    assert refusal.code == "encrypted"


def test_custom_message_for_codes_outside_the_table():
    refusal = UploadRefused("virus", "This file contains a virus and was refused.")
    assert refusal.code == "virus" and refusal.text == "This file contains a virus and was refused."


# --- Images -------------------------------------------------------------------------------------


def test_jpeg_is_reencoded_upright_without_exif_gps_or_comment():
    original = corpus("valid.jpg")
    assert b"Exif" in original and b"secret comment" in original
    checked = check_upload(original, **LIMITS)
    image = Image.open(io.BytesIO(checked.content))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert "exif" not in image.info and "comment" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in checked.content and b"secret comment" not in checked.content
    assert b"PhoneMaker" not in checked.content
    # Stored sideways (640 × 480, orientation 6): turned upright, the red corner is now top-right.
    assert (checked.width, checked.height) == (480, 640) == image.size
    red, green, blue = image.convert("RGB").getpixel((470, 10))
    assert red > 180 and green < 60 and blue < 60
    assert image.convert("RGB").getpixel((10, 10))[0] < 100


def test_png_is_reencoded_without_text_or_exif_chunks():
    original = corpus("valid.png")
    assert b"Jane Student" in original and b"eXIf" in original
    checked = check_upload(original, **LIMITS)
    assert b"Jane Student" not in checked.content
    assert set(png_chunk_types(checked.content)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    image = Image.open(io.BytesIO(checked.content))
    assert image.size == (300, 200) and image.mode == "RGBA"
    assert image.getpixel((299, 199))[3] == 0  # transparency kept


def test_heic_photo_is_converted_to_jpeg_without_metadata():
    original = corpus("valid.heic")
    checked = check_upload(original, **LIMITS)
    assert checked.converted_from == "heic"
    assert (checked.kind, checked.extension, checked.content_type) == ("jpeg", ".jpg", "image/jpeg")
    image = Image.open(io.BytesIO(checked.content))
    assert image.format == "JPEG" and image.size == (320, 240)
    assert not image.getexif() and b"Exif" not in checked.content


def test_pixels_are_checked_before_decoding(monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("the image must not be opened")

    monkeypatch.setattr(checks.Image, "open", no_decoding)
    assert refused(corpus("huge_pixels.png")).code == "too_many_pixels"
    assert refused(corpus("huge_pixels.jpg")).code == "too_many_pixels"


def test_pixel_limit_is_configurable():
    refusal = refused(corpus("valid.jpg"), max_pixels=100_000)
    assert refusal.code == "too_many_pixels"
    assert refusal.text == (
        "The photo is too large (640 × 480 pixels): at most 0.1 million pixels are accepted."
    )
    assert check_upload(corpus("valid.jpg"), **LIMITS, max_pixels=640 * 480).width == 480


def test_pillow_bomb_guard_remains_as_a_backstop():
    # Even with an unreasonable limit of our own, Pillow's process-wide guard refuses 400 Mpixels.
    refusal = refused(corpus("huge_pixels.png"), max_pixels=10**9)
    assert refusal.code == "too_many_pixels" and "20000 × 20000" in refusal.text


def test_lenient_pillow_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ImproperlyConfigured):
        check_upload(corpus("valid.jpg"), **LIMITS)


def test_load_truncated_images_is_off_in_the_project():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_jpeg_with_padding_or_camera_secondary_image_passes():
    jpeg = corpus("valid.jpg")
    assert check_upload(jpeg + b"\x00" * 32, **LIMITS).kind == "jpeg"
    # Multi-picture files (depth maps, previews) append complete JPEGs after the first one.
    assert check_upload(jpeg + jpeg, **LIMITS).width == 480


def test_fake_secondary_jpeg_cannot_hide_an_archive():
    make = load_make_corpus()
    refusal = refused(corpus("valid.jpg") + b"\xff\xd8\xff" + make.zip_archive())
    assert refusal.code in {"truncated", "trailing_data", "invalid_image"}


def test_png_with_data_after_iend_is_refused_even_without_archive():
    assert refused(corpus("valid.png") + b"<?php phpinfo(); ?>").code == "trailing_data"


def image_bytes(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image", "fmt", "params", "mode"),
    [
        (Image.new("CMYK", (40, 30), (0, 100, 100, 0)), "JPEG", {}, "RGB"),
        (Image.new("L", (40, 30), 128), "JPEG", {}, "L"),
        (Image.new("1", (40, 30), 1), "PNG", {}, "1"),
        (Image.new("LA", (40, 30), (128, 10)), "PNG", {}, "LA"),
        (Image.new("P", (40, 30), 3), "PNG", {"transparency": 3}, "RGBA"),
        (Image.new("P", (40, 30), 3), "PNG", {}, "P"),
        (Image.new("RGB", (40, 30), (1, 2, 3)), "PNG", {"transparency": (1, 2, 3)}, "RGBA"),
        (Image.new("I;16", (40, 30), 40000), "PNG", {}, "L"),
    ],
    ids=[
        "cmyk-jpeg",
        "grey-jpeg",
        "bilevel-png",
        "grey-alpha-png",
        "palette-transparent-png",
        "palette-png",
        "rgb-colour-key-png",
        "16-bit-grey-png",
    ],
)
def test_image_modes_are_reencoded(image, fmt, params, mode):
    checked = check_upload(image_bytes(image, fmt, **params), **LIMITS)
    stored = Image.open(io.BytesIO(checked.content))
    assert stored.mode == mode and stored.size == (40, 30)


def test_sixteen_bit_grey_is_scaled_not_clipped():
    checked = check_upload(image_bytes(Image.new("I;16", (4, 4), 40000), "PNG"), **LIMITS)
    assert Image.open(io.BytesIO(checked.content)).getpixel((0, 0)) == 40000 // 256


def noise(mode: str, size: tuple[int, int]) -> Image.Image:
    generator = random.Random(6)
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, generator.randbytes(size[0] * size[1] * bands))


def test_converted_image_must_fit_the_size_limit_too():
    # A palette PNG with transparency becomes RGBA: four times the data, over the limit.
    image = noise("L", (300, 300)).convert("P")
    data = image_bytes(image, "PNG", transparency=0)
    refusal = refused(data, max_bytes=len(data) + 1000)
    assert refusal.code == "converted_too_large"
    assert "MB" in refusal.text


def test_opaque_png_too_large_once_reencoded_is_kept_as_jpeg():
    kind, content = checks._encode(noise("RGB", (300, 300)), "png", max_bytes=200_000)
    assert kind == "jpeg" and Image.open(io.BytesIO(content)).format == "JPEG"


def test_hidden_metadata_in_a_heic_brand_variant_is_still_handled():
    # "mif1" is the generic HEIF brand some Android phones write.
    data = bytearray(corpus("valid.heic"))
    data[8:12] = b"mif1"
    assert check_upload(bytes(data), **LIMITS).converted_from == "heic"


# Pillow warns about damaged EXIF tags and skips them: expected here.
@pytest.mark.filterwarnings("ignore:Tag data larger than file")
@pytest.mark.parametrize("name", sorted(VALID))
def test_damaged_copies_are_accepted_or_refused_never_crash(name):
    """Random byte damage must end in a result or an UploadRefused, never in another exception."""
    original = corpus(name)
    generator = random.Random(name)
    for _ in range(60):
        damaged = bytearray(original)
        for _ in range(generator.randint(1, 8)):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        with contextlib.suppress(UploadRefused):
            check_upload(bytes(damaged), **LIMITS)
