"""Server-side previews of PDFs and images (no database needed)."""

import importlib.util
import io
from pathlib import Path

import pytest
from PIL import Image

from matricule.documents.render import RenderError, render_page, render_pages, thumbnail

CORPUS = Path(__file__).resolve().parent.parent / "data" / "uploads"


def make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_page_pdf(page: bytes) -> bytes:
    return make_corpus().raw_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page]
    )


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


def test_pages_are_rendered_as_png_at_the_requested_width():
    pages = render_pages((CORPUS / "valid.pdf").read_bytes())
    assert len(pages) == 2  # fewer pages than max_pages
    for png in pages:
        image = opened(png)
        assert image.width == 1200 and abs(image.height - 1697) <= 1  # A4 ratio
    # The drawn frame is dark on a white page: something was actually rendered.
    assert opened(pages[0]).convert("L").getextrema() == (0, 255)


def test_max_pages_and_width():
    pages = render_pages((CORPUS / "valid.pdf").read_bytes(), max_pages=1, width=300)
    assert len(pages) == 1 and opened(pages[0]).width == 300


def test_single_page():
    data = (CORPUS / "valid.pdf").read_bytes()
    assert opened(render_page(data, 2, width=400)).width == 400
    for number in (0, 3):
        with pytest.raises(RenderError):
            render_page(data, number)


def test_rotated_page_is_rendered_upright():
    png = render_pages(one_page_pdf(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 >>"))[0]
    image = opened(png)
    assert image.width == 1200 and image.height < image.width


def test_strip_shaped_page_stays_bounded():
    png = render_pages(one_page_pdf(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 14400] >>"))[0]
    assert opened(png).height <= 1200 * 4


def test_broken_pdf_raises_render_error():
    with pytest.raises(RenderError):
        render_pages(b"%PDF-1.7\nnot really a pdf")


def test_thumbnail_of_a_jpeg_keeps_ratio_and_format():
    data = (CORPUS / "valid.jpg").read_bytes()
    image = Image.open(io.BytesIO(thumbnail(data, 160)))
    assert image.format == "JPEG" and image.size == (160, 120)


def test_thumbnail_of_a_png_keeps_transparency():
    data = (CORPUS / "valid.png").read_bytes()
    image = Image.open(io.BytesIO(thumbnail(data, 150)))
    assert image.format == "PNG" and image.size == (150, 100) and image.mode == "RGBA"


def test_thumbnail_never_enlarges():
    data = (CORPUS / "valid.png").read_bytes()
    assert Image.open(io.BytesIO(thumbnail(data, 2000))).size == (300, 200)


@pytest.mark.parametrize("name", ["huge_pixels.png", "svg_with_script.svg", "truncated.png"])
def test_thumbnail_refuses_what_it_cannot_safely_decode(name):
    with pytest.raises(RenderError):
        thumbnail((CORPUS / name).read_bytes(), 100)
