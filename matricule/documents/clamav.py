"""Optional antivirus scan through a clamd daemon (INSTREAM command, standard library only).

The address comes from settings.MATRICULE_CLAMD_ADDRESS: a UNIX socket path ("/run/clamav/clamd.ctl",
"unix:///run/clamav/clamd.ctl") or a TCP address ("127.0.0.1:3310", "tcp://clamav:3310",
"[::1]:3310"). No address means no antivirus: `scan()` reports the file clean and skipped.

When an address is configured but clamd cannot answer, `scan()` raises ScanError and
`check_clean()` refuses the upload: a configured antivirus that silently stops scanning would go
unnoticed, so we fail closed and the student is asked to try again later.
"""

import logging
import socket
import struct
import time
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .checks import UploadRefused

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
DEFAULT_TIMEOUT = 30.0
# A reply is one short line ("stream: OK"); more means we are not talking to clamd.
MAX_REPLY = 4096


class ScanError(Exception):
    """clamd is configured but could not scan the file (unreachable, timeout, error reply)."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""  # name of the detected malware, when not clean
    skipped: bool = False  # no antivirus configured


def scan(content: bytes, address: str | None, *, timeout: float = DEFAULT_TIMEOUT) -> ScanResult:
    """Scan content with clamd at address; None or "" means not configured (clean, skipped)."""
    if not address:
        return ScanResult(clean=True, skipped=True)
    # One deadline for the whole scan, not per socket operation: a clamd that answers each
    # chunk slowly cannot hold the request longer than `timeout` in all.
    deadline = time.monotonic() + timeout
    try:
        with _connect(address, timeout) as connection:
            # "z" prefix: NUL-terminated command and reply, unambiguous whatever the signature name.
            _send(connection, b"zINSTREAM\0", deadline)
            try:
                view = memoryview(content)
                for start in range(0, len(view), CHUNK_SIZE):
                    chunk = view[start : start + CHUNK_SIZE]
                    _send(connection, struct.pack(">I", len(chunk)) + chunk, deadline)
                _send(connection, struct.pack(">I", 0), deadline)
            except TimeoutError:
                raise
            except OSError:
                # clamd closes the stream early when StreamMaxLength is exceeded; its reply says so.
                pass
            reply = _read_reply(connection, deadline)
    except OSError as error:
        raise ScanError(f"clamd at {address} unavailable: {error}") from error
    return _parse_reply(reply)


def check_clean(content: bytes, address: str | None, *, timeout: float = DEFAULT_TIMEOUT) -> ScanResult:
    """scan() for the upload view: raise UploadRefused when infected or when clamd cannot answer."""
    try:
        result = scan(content, address, timeout=timeout)
    except ScanError:
        logger.exception("Antivirus scan failed")
        raise UploadRefused(
            "antivirus_unavailable",
            _("The antivirus check is not available at the moment: try again in a few minutes."),
        ) from None
    if not result.clean:
        logger.warning("Antivirus refused an upload: %s", result.signature)
        raise UploadRefused(
            "virus",
            _("The antivirus found a threat in this file (%(signature)s): it was not saved."),
            params={"signature": result.signature},
        )
    return result


def parse_address(address: str) -> tuple[int, str | tuple[str, int]]:
    """(socket family, address) for a clamd address; ValueError when it cannot be understood."""
    if address.startswith("unix://"):
        return socket.AF_UNIX, address.removeprefix("unix://")
    if address.startswith("/"):
        return socket.AF_UNIX, address
    host_port = address.removeprefix("tcp://")
    host, separator, port = host_port.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise ValueError(f"Invalid clamd address {address!r}: expected a socket path or host:port.")
    return socket.AF_INET, (host.removeprefix("[").removesuffix("]"), int(port))


def _connect(address: str, timeout: float) -> socket.socket:
    family, target = parse_address(address)
    if family == socket.AF_UNIX:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            connection.connect(target)
        except OSError:
            connection.close()
            raise
        return connection
    # create_connection resolves the name and handles IPv6 hosts.
    return socket.create_connection(target, timeout=timeout)


def _remaining(connection: socket.socket, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("clamd did not answer in time")
    connection.settimeout(left)


def _send(connection: socket.socket, data, deadline: float) -> None:
    _remaining(connection, deadline)
    connection.sendall(data)


def _read_reply(connection: socket.socket, deadline: float) -> bytes:
    reply = b""
    while b"\0" not in reply and len(reply) < MAX_REPLY:
        _remaining(connection, deadline)
        data = connection.recv(1024)
        if not data:
            break
        reply += data
    return reply


def _parse_reply(reply: bytes) -> ScanResult:
    text = reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    if text == "stream: OK":
        return ScanResult(clean=True)
    if text.startswith("stream: ") and text.endswith(" FOUND"):
        return ScanResult(clean=False, signature=text.removeprefix("stream: ").removesuffix(" FOUND"))
    # "INSTREAM size limit exceeded. ERROR", an empty reply on a closed socket, anything else.
    raise ScanError(f"unexpected clamd reply: {text!r}")
