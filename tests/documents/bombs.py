"""Hostile PDFs built on the fly, each aimed at a different bound of the checks and previews:
small files that cost a reader gigabytes or seconds if nothing stops it."""

import importlib.util
import zlib
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "data" / "uploads"
MB = 1024 * 1024


def _corpus_module():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    return _corpus_module().raw_pdf(objects, trailer_extra)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), entries, data)


def deflated_zeros(megabytes: int) -> bytes:
    """zlib data that inflates to `megabytes` MB of zero bytes, about 1 KB per MB, built in
    milliseconds: after a full flush the compressor starts afresh, so every further megabyte
    compresses to the same bytes and is repeated rather than compressed again. (The checksum at
    the end does not match: readers meet it only after inflating everything.)"""
    chunk = b"\0" * MB
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + block * (megabytes - 2) + compressor.compress(chunk) + compressor.flush()


def page_pdf(page_entries: bytes = b"", contents: bytes | None = None, extra: list[bytes] = ()) -> bytes:
    """One page (object 3) whose content stream is object 4; `extra` objects follow from 5."""
    contents = contents if contents is not None else stream(b"BT /Helvetica 12 Tf 72 720 Td (Hello) Tj ET")
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R %s>>" % page_entries,
            contents,
            *extra,
        ]
    )


def inflation_bomb(megabytes: int = 3072) -> bytes:
    """A page whose content stream inflates to gigabytes (3 GiB by default) from ~3 MB."""
    return page_pdf(contents=stream(deflated_zeros(megabytes), b"/Filter /FlateDecode "))


def object_stream_bomb(megabytes: int = 3072) -> bytes:
    """The same, hidden in an object stream that no page refers to."""
    return page_pdf(
        extra=[stream(deflated_zeros(megabytes), b"/Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode] ")]
    )


def image_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A page drawing one image of width × height pixels, stored in a few kilobytes."""
    data = deflated_zeros(2)
    image = stream(
        data,
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode " % (width, height),
    )
    return page_pdf(
        page_entries=b"/Resources << /XObject << /Im1 5 0 R >> >>",
        contents=stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
        extra=[image],
    )


def many_objects(count: int = 190_000) -> bytes:
    """A page and `count` small objects: megabytes of cross-reference to read and walk."""
    filler = [b"<< /N %d >>" % n for n in range(count)]
    return page_pdf(
        page_entries=b"/Filler 5 0 R",
        extra=[b"[%s]" % b" ".join(b"%d 0 R" % (n + 6) for n in range(count)), *filler],
    )


def huge_page(points: int = 1_000_000) -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>" % (points, points),
        ]
    )


def deep_nesting(depth: int = 100_000) -> bytes:
    """An array nested `depth` times: recursion in any reader that follows it naively."""
    return page_pdf(page_entries=b"/Deep " + b"[" * depth + b"]" * depth)
