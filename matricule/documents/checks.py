"""Content checks for uploaded supporting documents.

`check_upload()` decides from the bytes alone (never the file name nor the browser's content type)
whether an upload is a PDF, a JPEG, a PNG or a HEIC photo, and returns what to store:

- images are decoded within a pixel budget, rotated upright from their EXIF orientation and
  re-encoded without any metadata (EXIF, GPS, comments, text chunks, colour profiles), so only
  pixels we produced ever reach storage; HEIC photos become JPEG;
- PDFs are parsed and stored as uploaded once nothing active was found in them: no encryption,
  no JavaScript, no attached files, no launch action, no XFA form or rich media, and not more
  pages than the document type allows.

Anything else is refused with an `UploadRefused` carrying a stable code and a sentence for the
student. Data hidden after the end of an image or of a PDF (polyglot files, e.g. a PNG that is
also a ZIP archive) is refused rather than silently dropped, so the student is told and the
file never looks accepted.
"""

import contextlib
import hashlib
import io
import struct
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from PIL import Image, ImageFile, ImageOps

DEFAULT_MAX_PIXELS = 40_000_000

# Bounds of a PDF, each checked before the work it protects. A scanned or exported document of
# ten pages has tens to hundreds of objects, inflates to tens of megabytes, holds images under
# 40 million pixels (A4 at 600 dpi is 35) and pages under 200 inches (the PDF reference's limit).
MAX_PDF_OBJECTS = 10_000
MAX_PDF_INFLATED_BYTES = 256 * 1024 * 1024
MAX_PDF_PAGE_POINTS = 14_400
INFLATE_CHUNK = 1 << 20

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
# ISO-BMFF major brands of HEIF stills and sequences as written by phones.
HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
# Bytes some writers leave after the end marker; they cannot carry a payload.
PADDING = b"\x00\t\n\r\x0c "

JPEG_QUALITIES = (85, 75, 60)

# JPEG "start of frame" markers, which carry the image dimensions.
JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})

MESSAGES = {
    "too_large": _("The file is larger than %(limit)s MB."),
    "empty": _("The file is empty."),
    "unsupported_type": _("This file is not a PDF, JPEG, PNG or HEIC photo."),
    "truncated": _("This file is incomplete (the transfer was probably interrupted): upload it again."),
    "trailing_data": _(
        "This file contains extra data after its end (possibly another hidden file): "
        "export or scan the document again."
    ),
    "too_many_pixels": _(
        "The photo is too large (%(width)s × %(height)s pixels): "
        "at most %(limit)s million pixels are accepted."
    ),
    "invalid_image": _("This image is damaged and cannot be read: take the photo or export it again."),
    "converted_too_large": _(
        "Once converted, the image is larger than %(limit)s MB: take the photo with a lower resolution."
    ),
    "invalid_pdf": _("This PDF is damaged and cannot be read: export or scan the document again."),
    "no_pages": _("This PDF has no page."),
    "encrypted": _("This PDF is protected by a password: upload a version without password."),
    "javascript": _("This PDF contains a script: print it to PDF again or scan the paper."),
    "embedded_file": _("This PDF contains attached files: print it to PDF again or scan the paper."),
    "launch_action": _("This PDF tries to start another program: print it to PDF again or scan the paper."),
    "active_content": _(
        "This PDF contains a dynamic form or multimedia content: print it to PDF again or scan the paper."
    ),
    "too_many_pages": ngettext_lazy(
        "This PDF has %(pages)s pages: only %(limit)s page is accepted for this document.",
        "This PDF has %(pages)s pages: at most %(limit)s pages are accepted for this document.",
        "limit",
    ),
    "too_complex": _("This PDF is too complex to be checked: print it to PDF again or scan the paper."),
    "inflated_too_large": _(
        "Once decompressed, this PDF holds more than %(limit)s MB: print it to PDF again or scan the "
        "paper at a lower resolution."
    ),
    "pdf_image_too_large": _(
        "This PDF contains an image too large (%(width)s × %(height)s pixels): scan the paper at a "
        "lower resolution."
    ),
    "page_too_large": _(
        "A page of this PDF is larger than %(limit)s cm: print it to PDF again on a usual paper size."
    ),
    # Same code as a password-protected PDF, but the student sees no password prompt: say why.
    "encrypted_protected": _(
        "This PDF is encrypted (protected against copying or printing): "
        "print it to PDF again to remove the protection."
    ),
}


class UploadRefused(ValidationError):
    """An upload that must not be stored; `code` is stable, the message is for the student."""

    def __init__(self, code: str, message=None, params: dict | None = None, *, key: str | None = None):
        # key: which message of MESSAGES, when it is not the code's own.
        self.key = key or (code if message is None else None)
        super().__init__(message or MESSAGES[self.key], code=code, params=params)

    def __reduce__(self):
        # Rebuilt from its code and key when it crosses a process boundary (sandbox.py): the
        # message is translated where it is shown, in the reader's language.
        if self.key is not None:
            return _refusal, (self.code, self.key, self.params)
        return _refusal, (self.code, None, self.params, self.message)

    @property
    def text(self) -> str:
        """The message with its parameters, in the active language."""
        return self.messages[0]


def _refusal(code, key, params, message=None):
    return UploadRefused(code, message, params, key=key)


@dataclass(frozen=True)
class CheckedFile:
    content: bytes  # what to store: the re-encoded image, or the PDF as uploaded
    kind: str  # "pdf", "jpeg" or "png"
    extension: str
    content_type: str
    sha256: str  # of `content`
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    converted_from: str = ""  # "heic" when a HEIC photo was converted to JPEG


def check_upload(
    data: bytes | BinaryIO,
    *,
    max_bytes: int,
    max_pages: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CheckedFile:
    """Check an upload by its content and return what to store, or raise UploadRefused."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Some library or setting turned on Pillow's lenient mode: partial images would pass.
        raise ImproperlyConfigured("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False for upload checks.")
    content = read_bounded(data, max_bytes)
    if len(content) > max_bytes:
        raise UploadRefused("too_large", params={"limit": _megabytes(max_bytes)})
    if not content:
        raise UploadRefused("empty")
    kind = sniff(content)
    if kind == "pdf":
        return _check_pdf(content, max_pages)
    if kind in ("jpeg", "png", "heic"):
        return _check_image(content, kind, max_bytes, max_pixels)
    raise UploadRefused("unsupported_type")


def sniff(content: bytes) -> str | None:
    """The accepted type announced by the first bytes: "pdf", "jpeg", "png", "heic", or None."""
    if content.startswith(PDF_SIGNATURE):
        return "pdf"
    if content.startswith(JPEG_SIGNATURE):
        return "jpeg"
    if content.startswith(PNG_SIGNATURE):
        return "png"
    if content[4:8] == b"ftyp" and content[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def read_bounded(data, max_bytes: int) -> bytes:
    """At most max_bytes + 1 bytes: enough to know the file is too large without reading it all."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[: max_bytes + 1])
    # A stream that cannot seek is read from where it is.
    with contextlib.suppress(AttributeError, OSError, ValueError):
        data.seek(0)
    chunks, size = [], 0
    while size <= max_bytes:
        chunk = data.read(min(1 << 20, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _megabytes(size: int) -> str:
    return f"{round(size / (1024 * 1024), 1):g}"


def _millions(pixels: int) -> str:
    return f"{round(pixels / 1_000_000, 1):g}"


def _check_trailer(content: bytes, end: int) -> None:
    if content[end:].strip(PADDING):
        raise UploadRefused("trailing_data")


# --- Images -----------------------------------------------------------------------------------


def _check_image(content: bytes, kind: str, max_bytes: int, max_pixels: int) -> CheckedFile:
    # Structure first: it finds truncation, hidden trailing data and the declared size without
    # decoding a single pixel.
    declared = None
    if kind == "png":
        declared = _png_structure(content)
    elif kind == "jpeg":
        declared = _jpeg_structure(content)
    if declared:
        _check_pixels(*declared, max_pixels)

    try:
        image = _open_lazily(content, kind)
    except Image.DecompressionBombError:
        # Pillow's own process-wide guard (MAX_IMAGE_PIXELS, left at its default) as a backstop.
        width, height = declared or (0, 0)
        raise UploadRefused(
            "too_many_pixels", params={"width": width, "height": height, "limit": _millions(max_pixels)}
        ) from None
    except MemoryError:
        raise  # the sandbox's memory limit, reported as such (screening.py)
    except Exception:
        raise UploadRefused("invalid_image") from None
    _check_pixels(*image.size, max_pixels)

    try:
        image.load()
        image = _upright_without_metadata(image)
    except MemoryError:
        raise
    except Exception:
        raise UploadRefused("invalid_image") from None

    stored = _encode(image, "png" if kind == "png" else "jpeg", max_bytes)
    if stored is None:
        raise UploadRefused("converted_too_large", params={"limit": _megabytes(max_bytes)})
    out_kind, out = stored
    return CheckedFile(
        content=out,
        kind=out_kind,
        extension=".png" if out_kind == "png" else ".jpg",
        content_type="image/png" if out_kind == "png" else "image/jpeg",
        sha256=hashlib.sha256(out).hexdigest(),
        width=image.width,
        height=image.height,
        converted_from="heic" if kind == "heic" else "",
    )


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise UploadRefused("invalid_image")
    if width * height > max_pixels:
        raise UploadRefused(
            "too_many_pixels", params={"width": width, "height": height, "limit": _millions(max_pixels)}
        )


def _open_lazily(content: bytes, kind: str) -> Image.Image:
    """Read the header only; pixels are decoded by load() once the size is known to be acceptable."""
    if kind == "heic":
        from pillow_heif.as_plugin import HeifImageFile

        # Instantiated directly rather than registering the opener, so Image.open elsewhere in the
        # project does not silently start accepting HEIF. libheif applies the HEIF rotation
        # (irot/imir) itself and resets the EXIF orientation accordingly.
        return HeifImageFile(io.BytesIO(content))
    # formats= stops Pillow from trying other decoders on a file that claims to be PNG or JPEG.
    return Image.open(io.BytesIO(content), formats=["PNG" if kind == "png" else "JPEG"])


def _upright_without_metadata(image: Image.Image) -> Image.Image:
    # In place: a 40-million-pixel photo is 120 MB decoded, a copy would double it.
    ImageOps.exif_transpose(image, in_place=True)
    if "transparency" in image.info:
        # Transparency lives in image.info, which is dropped below: move it into an alpha channel.
        image = image.convert("RGBA")
    elif image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits (a plain convert would clip everything to white).
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    elif image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    # Savers fall back on image.info for comments, ICC profiles, transparency: nothing may leak.
    image.info = {}
    return image


def _encode(image: Image.Image, kind: str, max_bytes: int) -> tuple[str, bytes] | None:
    """Re-encode without metadata; JPEG is retried at lower qualities to fit the size limit."""
    if kind == "png":
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        if buffer.tell() <= max_bytes:
            return "png", buffer.getvalue()
        if "A" in image.getbands():
            return None
        # A photo saved as PNG can exceed the limit once decoded and re-compressed: keep it as JPEG.
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= max_bytes:
            return "jpeg", buffer.getvalue()
    return None


def _png_structure(content: bytes) -> tuple[int, int]:
    """Walk the PNG chunks to IEND; return the declared (width, height)."""
    pos, size = len(PNG_SIGNATURE), len(content)
    dimensions = None
    while True:
        if pos + 12 > size:
            raise UploadRefused("truncated")
        length, chunk_type = struct.unpack(">I4s", content[pos : pos + 8])
        if length > 0x7FFFFFFF:
            raise UploadRefused("invalid_image")
        end = pos + 12 + length
        if end > size:
            raise UploadRefused("truncated")
        if dimensions is None:
            if chunk_type != b"IHDR" or length != 13:
                raise UploadRefused("invalid_image")
            dimensions = struct.unpack(">II", content[pos + 8 : pos + 16])
        if chunk_type == b"IEND":
            _check_trailer(content, end)
            return dimensions
        pos = end


def _jpeg_structure(content: bytes) -> tuple[int, int]:
    """Walk the JPEG segments to EOI; return the declared (width, height) of the main image."""
    end, dimensions = _jpeg_end(content, 0)
    # Cameras append further complete JPEGs after the first one (MPF: depth maps, previews);
    # each is walked too, so a payload cannot hide behind a fake second image header.
    while content.startswith(JPEG_SIGNATURE, end):
        end, _ignored = _jpeg_end(content, end)
    _check_trailer(content, end)
    if dimensions is None:
        raise UploadRefused("invalid_image")
    return dimensions


def _jpeg_end(content: bytes, start: int) -> tuple[int, tuple[int, int] | None]:
    """Offset just after the EOI of the JPEG beginning at start, and its frame dimensions."""
    size = len(content)
    pos = start + 2
    dimensions = None
    while True:
        if pos < size and content[pos] != 0xFF:
            # Stray bytes between segments: libjpeg skips them with a warning, so do we.
            pos = content.find(b"\xff", pos)
            if pos < 0:
                raise UploadRefused("truncated")
        while pos < size and content[pos] == 0xFF:
            pos += 1  # fill bytes before a marker
        if pos >= size:
            raise UploadRefused("truncated")
        marker = content[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos, dimensions
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # markers without a length
        if marker == 0xD8:
            raise UploadRefused("invalid_image")
        if pos + 2 > size:
            raise UploadRefused("truncated")
        length = int.from_bytes(content[pos : pos + 2], "big")
        if length < 2:
            raise UploadRefused("invalid_image")
        segment_end = pos + length
        if segment_end > size:
            raise UploadRefused("truncated")
        if marker in JPEG_SOF_MARKERS and dimensions is None:
            if length < 7:
                raise UploadRefused("invalid_image")
            height, width = struct.unpack(">HH", content[pos + 3 : pos + 7])
            dimensions = (width, height)
        pos = segment_end
        if marker == 0xDA:  # start of scan: entropy-coded data follows, up to the next real marker
            while True:
                ff = content.find(b"\xff", pos)
                if ff < 0 or ff + 1 >= size:
                    raise UploadRefused("truncated")
                following = content[ff + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos = ff + 2  # stuffed byte or restart marker: still inside the scan
                elif following == 0xFF:
                    pos = ff + 1
                else:
                    pos = ff
                    break


# --- PDF --------------------------------------------------------------------------------------


def _check_pdf(content: bytes, max_pages: int) -> CheckedFile:
    from pypdf import PasswordType, PdfReader

    # A complete PDF ends with %%EOF (incremental updates end with their own); anything after
    # the last one, apart from padding, is not part of the document.
    eof = content.rfind(b"%%EOF")
    if eof < 0:
        raise UploadRefused("truncated")
    _check_trailer(content, eof + len(b"%%EOF"))

    # Objects written out in the file, counted at memory speed before any parser reads them.
    if content.count(b"endobj") > MAX_PDF_OBJECTS:
        raise UploadRefused("too_complex")

    # strict=False: scanners and office suites write slightly off cross-reference tables that
    # every viewer accepts. Real damage still fails below, when the pages and objects are read.
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        encrypted = reader.is_encrypted
    except MemoryError:
        raise
    except Exception:
        raise UploadRefused("invalid_pdf") from None
    if encrypted:
        try:
            opens_without_password = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except MemoryError:
            raise
        except Exception:
            opens_without_password = False
        raise UploadRefused("encrypted", key="encrypted_protected" if opens_without_password else None)

    try:
        # Cheapest first: what the cross-reference declares, then what the streams inflate to
        # (before anything decodes them), then the pages, then every object.
        _check_pdf_size(reader)
        _check_inflated_size(reader)
        pages = len(reader.pages)
        if pages == 0:
            raise UploadRefused("no_pages")
        if pages > max_pages:
            raise UploadRefused("too_many_pages", params={"pages": pages, "limit": max_pages})
        for page in reader.pages:
            _check_page_size(page)
        _scan_pdf_objects(reader)
    except UploadRefused:
        raise
    except MemoryError:
        raise
    except Exception:
        raise UploadRefused("invalid_pdf") from None

    return CheckedFile(
        content=content,
        kind="pdf",
        extension=".pdf",
        content_type="application/pdf",
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
    )


def _check_pdf_size(reader) -> None:
    """The objects the file declares, without reading them."""
    declared = reader.trailer.get("/Size", 0)
    listed = sum(len(entries) for entries in reader.xref.values()) + len(reader.xref_objStm)
    if max(int(declared) if isinstance(declared, int) else 0, listed) > MAX_PDF_OBJECTS:
        raise UploadRefused("too_complex")


def _check_inflated_size(reader) -> None:
    """Add up what every stream of the file inflates to, streaming, and stop at the budget.

    Only the first filter of each stream expands data by much; image codecs (DCT, JPX, CCITT,
    JBIG2) are bounded by the images' pixel count instead (`_inspect_pdf_dictionary`).
    """
    from pypdf.generic import StreamObject

    budget = MAX_PDF_INFLATED_BYTES
    for generation, entries in reader.xref.items():
        for number in entries:
            try:
                obj = reader.get_object(_reference(reader, number, generation))
            except MemoryError:
                raise
            except Exception:  # noqa: S112 - an unreadable entry: if a page needs it, the walk refuses the file
                continue
            if isinstance(obj, StreamObject):
                budget -= _inflated_size(obj, budget)
                if budget < 0:
                    raise UploadRefused(
                        "inflated_too_large", params={"limit": MAX_PDF_INFLATED_BYTES // (1024 * 1024)}
                    )


def _reference(reader, number: int, generation: int):
    from pypdf.generic import IndirectObject

    return IndirectObject(number, generation, reader)


def _inflated_size(stream, budget: int) -> int:
    """Bytes the stream's first filter produces, counting at most budget + 1."""
    import zlib

    from pypdf import filters
    from pypdf.generic import ArrayObject

    data = stream._data
    chain = stream.get("/Filter")
    if isinstance(chain, ArrayObject):
        chain = chain[0] if chain else None
    name = str(chain) if chain is not None else None
    if name in ("/FlateDecode", "/Fl"):
        inflater, size, rest = zlib.decompressobj(), 0, data
        try:
            while rest and size <= budget:
                size += len(inflater.decompress(rest, INFLATE_CHUNK))
                rest = inflater.unconsumed_tail
        except zlib.error:
            pass  # damaged data inflates to what came before the damage, as viewers do
        return size
    decoder = {
        "/LZWDecode": filters.LZWDecode,
        "/LZW": filters.LZWDecode,
        "/RunLengthDecode": filters.RunLengthDecode,
        "/RL": filters.RunLengthDecode,
        "/BrotliDecode": filters.BrotliDecode,
    }.get(name)
    if decoder is not None:
        # pypdf stops these decoders at its own output limit (75 MB), under our budget's order.
        return len(decoder.decode(data))
    return len(data)


def _check_page_size(page) -> None:
    box = page.mediabox
    unit = page.get("/UserUnit", 1)
    unit = float(unit) if isinstance(unit, int | float) else 1.0
    largest = max(abs(float(box.width)), abs(float(box.height))) * max(unit, 1.0)
    if largest > MAX_PDF_PAGE_POINTS:
        raise UploadRefused("page_too_large", params={"limit": round(MAX_PDF_PAGE_POINTS / 72 * 2.54)})


def _scan_pdf_objects(reader) -> None:
    """Walk every object reachable from the trailer and refuse active content wherever it is.

    Looking everywhere rather than at the few usual places (/Names, /OpenAction, /AA) also
    catches scripts in link annotations, form fields or outlines. pypdf decodes escaped names
    (/J#53 is /JS), so obfuscation does not hide a key.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            reference = (obj.idnum, obj.generation)
            if reference in seen:
                continue
            seen.add(reference)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS * 10:  # direct objects count too, within reason
            raise UploadRefused("too_complex")
        if isinstance(obj, DictionaryObject):  # stream dictionaries included; data is not decoded
            _inspect_pdf_dictionary(obj)
            stack.extend(dict.values(obj))  # raw values: references are resolved once, above
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))  # raw items, same reason


def _inspect_pdf_dictionary(dictionary) -> None:
    keys = set(dictionary.keys())
    action = _name(dictionary, "/S")
    if "/JS" in keys or "/JavaScript" in keys or action == "/JavaScript":
        raise UploadRefused("javascript")
    if action == "/Launch":
        raise UploadRefused("launch_action")
    if (
        "/EmbeddedFiles" in keys
        or "/EF" in keys
        or _name(dictionary, "/Type") == "/EmbeddedFile"
        or _name(dictionary, "/Subtype") == "/FileAttachment"
    ):
        raise UploadRefused("embedded_file")
    # XFA forms run their own scripts; rich media embeds Flash or 3D players.
    if "/XFA" in keys or _name(dictionary, "/Subtype") == "/RichMedia" or action == "/RichMediaExecute":
        raise UploadRefused("active_content")
    if _name(dictionary, "/Subtype") == "/Image":
        # A viewer decodes an image whole, whatever its compression: bound what it would allocate.
        width, height = _number(dictionary, "/Width"), _number(dictionary, "/Height")
        if width * height > DEFAULT_MAX_PIXELS:
            raise UploadRefused("pdf_image_too_large", params={"width": width, "height": height})


def _number(dictionary, key: str) -> int:
    from pypdf.generic import IndirectObject

    value = dict.get(dictionary, key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return int(value) if isinstance(value, int | float) else 0


def _name(dictionary, key: str) -> str | None:
    from pypdf.generic import IndirectObject, NameObject

    value = dict.get(dictionary, key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if isinstance(value, NameObject) else None
