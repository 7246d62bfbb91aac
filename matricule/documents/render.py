"""Server-side previews for the review screen: PDF pages and images as bounded PNG/JPEG bytes.

Rendering on the server means the agent's browser never opens the student's PDF itself (no PDF
viewer plugin, no script), and the page shows plain images that fit the layout. These functions
read a student's bytes: they are called in the bounded sandbox (`previews.py`), never in the
web process.
"""

import io
import threading

from PIL import Image

from .checks import DEFAULT_MAX_PIXELS

# PDFium is not thread-safe and gunicorn's threaded workers share one copy of it per process.
_PDFIUM_LOCK = threading.Lock()

# A strip-shaped page or image must not become a gigantic bitmap: bound height to width × ratio.
MAX_HEIGHT_RATIO = 4


class RenderError(Exception):
    """The document could not be rendered (it passed the checks, so this should be rare)."""


def preview_images(data: bytes, content_type: str, *, max_pages: int, width: int) -> list[tuple[str, bytes]]:
    """(content type, image) of each page to show: the first pages of a PDF, or the image
    reduced; RenderError when it cannot be done."""
    if content_type == "application/pdf":
        return [("image/png", page) for page in render_pages(data, max_pages=max_pages, width=width)]
    if content_type in ("image/jpeg", "image/png"):
        return [(content_type, thumbnail(data, width))]
    raise RenderError(f"no preview for {content_type}")


def render_pages(pdf_bytes: bytes, *, max_pages: int = 3, width: int = 1200) -> list[bytes]:
    """PNG images of the first max_pages pages, width pixels wide (narrower for very tall pages)."""
    return _render(pdf_bytes, range(max_pages), width)


def render_page(pdf_bytes: bytes, number: int, *, width: int = 1200) -> bytes:
    """PNG image of page number (1-based) alone; RenderError when the PDF has no such page."""
    images = _render(pdf_bytes, range(number - 1, number), width) if number >= 1 else []
    if not images:
        raise RenderError(f"no page {number}")
    return images[0]


def _render(pdf_bytes: bytes, indexes: range, width: int) -> list[bytes]:
    import pypdfium2 as pdfium

    images = []
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(pdf_bytes)
        except pdfium.PdfiumError as error:
            raise RenderError(str(error)) from error
        try:
            for index in indexes:
                if index >= len(document):
                    break
                page = document[index]
                try:
                    images.append(_render_page(page, width))
                finally:
                    page.close()
        except pdfium.PdfiumError as error:
            raise RenderError(str(error)) from error
        finally:
            document.close()
    return images


def _render_page(page, width: int) -> bytes:
    # Sizes in points, with the page's own /Rotate already applied by PDFium.
    page_width, page_height = page.get_size()
    if page_width <= 0 or page_height <= 0:
        raise RenderError("page without size")
    scale = min(width / page_width, width * MAX_HEIGHT_RATIO / page_height)
    bitmap = page.render(scale=scale)
    try:
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
    finally:
        bitmap.close()
    return buffer.getvalue()


def thumbnail(image_bytes: bytes, width: int) -> bytes:
    """A reduced copy of a stored JPEG or PNG (same format), at most width pixels wide.

    Never enlarges; very tall images are bounded in height instead, so they end up narrower.
    """
    try:
        image = Image.open(io.BytesIO(image_bytes), formats=["JPEG", "PNG"])
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise RenderError(str(error)) from error
    with image:
        # Stored images were checked, but this function must stay safe on any bytes it is given.
        if image.width * image.height > DEFAULT_MAX_PIXELS:
            raise RenderError("image too large")
        image_format = image.format
        try:
            # thumbnail() lets the JPEG decoder work at reduced scale (draft): fast on large photos.
            image.thumbnail((width, width * MAX_HEIGHT_RATIO))
        except (OSError, ValueError) as error:
            raise RenderError(str(error)) from error
        buffer = io.BytesIO()
        if image_format == "PNG":
            image.save(buffer, "PNG")
        else:
            if image.mode not in ("L", "RGB"):
                image = image.convert("RGB")
            image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
