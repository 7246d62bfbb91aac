"""The clamd client against a fake clamd speaking INSTREAM (no database, no real antivirus)."""

import socket
import struct
import tempfile
import threading
from pathlib import Path

import pytest
from django.utils import translation

from matricule.documents.checks import UploadRefused
from matricule.documents.clamav import CHUNK_SIZE, ScanError, ScanResult, check_clean, parse_address, scan

# The standard antivirus test string: harmless, detected by every engine.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """A one-thread clamd: answers INSTREAM like the real daemon, and records what it received."""

    def __init__(self, family: int, behaviour: str = "scan"):
        self.behaviour = behaviour
        self.commands: list[bytes] = []
        self.streams: list[bytes] = []
        self.chunk_sizes: list[int] = []
        if family == socket.AF_UNIX:
            # A short path: UNIX socket paths are limited to about 100 characters.
            self.directory = tempfile.TemporaryDirectory(prefix="clamd")
            path = str(Path(self.directory.name) / "clamd.ctl")
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(path)
            self.address = path
        else:
            self.directory = None
            self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.server.bind(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.server.listen()
        # Short accept timeout so that close() stops the thread promptly.
        self.server.settimeout(0.05)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(10)
                self.handle(connection)

    def read_exactly(self, connection, size: int) -> bytes:
        data = b""
        while len(data) < size:
            more = connection.recv(size - len(data))
            if not more:
                raise ConnectionError("client went away")
            data += more
        return data

    def handle(self, connection):
        command = b""
        while not command.endswith(b"\0"):
            command += connection.recv(1)
        self.commands.append(command)
        if self.behaviour == "silent":
            self.stopped.wait(5)  # never answers; released by close()
            return
        stream = b""
        while True:
            (size,) = struct.unpack(">I", self.read_exactly(connection, 4))
            if size == 0:
                break
            self.chunk_sizes.append(size)
            stream += self.read_exactly(connection, size)
        self.streams.append(stream)
        if self.behaviour == "error":
            connection.sendall(b"INSTREAM size limit exceeded. ERROR\0")
        elif self.behaviour == "close":
            return
        elif self.behaviour == "trickle":
            # Each byte well within one socket timeout, the whole reply far beyond it.
            for byte in b"stream: OK\0":
                if self.stopped.wait(0.5):
                    return
                connection.sendall(bytes([byte]))
        elif EICAR in stream:
            connection.sendall(b"stream: Eicar-Signature FOUND\0")
        else:
            connection.sendall(b"stream: OK\0")

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.server.close()
        if self.directory:
            self.directory.cleanup()


@pytest.fixture(params=[socket.AF_UNIX, socket.AF_INET], ids=["unix", "tcp"])
def clamd(request):
    server = FakeClamd(request.param)
    yield server
    server.close()


@pytest.fixture
def make_clamd():
    servers = []

    def make(behaviour):
        servers.append(FakeClamd(socket.AF_INET, behaviour))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_not_configured_means_clean_and_skipped():
    assert scan(EICAR, None) == ScanResult(clean=True, skipped=True)
    assert scan(EICAR, "") == ScanResult(clean=True, skipped=True)


def test_clean_file(clamd):
    content = b"%PDF-1.7\n" + bytes(range(256)) * 1000  # several chunks
    result = scan(content, clamd.address)
    assert result == ScanResult(clean=True)
    assert clamd.commands == [b"zINSTREAM\0"]
    assert clamd.streams == [content]
    assert max(clamd.chunk_sizes) <= CHUNK_SIZE and len(clamd.chunk_sizes) == 4


def test_infected_file(clamd):
    result = scan(b"some text " + EICAR + b" more text", clamd.address)
    assert result == ScanResult(clean=False, signature="Eicar-Signature")


def test_empty_content_is_still_a_valid_stream(clamd):
    assert scan(b"", clamd.address).clean
    assert clamd.streams == [b""]


def test_address_forms(clamd):
    prefixed = ("unix://" if clamd.address.startswith("/") else "tcp://") + clamd.address
    assert scan(b"hello", prefixed).clean


@pytest.mark.parametrize("behaviour", ["error", "close"])
def test_error_reply_or_closed_connection_is_a_scan_error(make_clamd, behaviour):
    with pytest.raises(ScanError):
        scan(b"hello", make_clamd(behaviour).address)


def test_timeout_is_a_scan_error(make_clamd):
    with pytest.raises(ScanError):
        scan(b"hello", make_clamd("silent").address, timeout=0.3)


def test_one_deadline_bounds_the_whole_scan_not_each_read(make_clamd):
    with pytest.raises(ScanError):
        scan(b"hello", make_clamd("trickle").address, timeout=1.0)


def test_unreachable_daemon_is_a_scan_error():
    with tempfile.TemporaryDirectory() as directory, pytest.raises(ScanError):
        scan(b"hello", str(Path(directory) / "missing.ctl"))
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ScanError):
        scan(b"hello", f"127.0.0.1:{port}")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("/run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
        ("unix:///run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
        ("127.0.0.1:3310", (socket.AF_INET, ("127.0.0.1", 3310))),
        ("tcp://clamav:3310", (socket.AF_INET, ("clamav", 3310))),
        ("[::1]:3310", (socket.AF_INET, ("::1", 3310))),
    ],
)
def test_parse_address(address, expected):
    assert parse_address(address) == expected


@pytest.mark.parametrize("address", ["clamav", "clamav:", ":3310", "host:port"])
def test_invalid_address(address):
    with pytest.raises(ValueError, match="Invalid clamd address"):
        parse_address(address)


def test_check_clean_refuses_infected_files(clamd):
    with translation.override("en"), pytest.raises(UploadRefused) as caught:
        check_clean(EICAR, clamd.address)
    assert caught.value.code == "virus"
    assert (
        caught.value.text == "The antivirus found a threat in this file (Eicar-Signature): it was not saved."
    )
    assert check_clean(b"hello", clamd.address).clean


def test_check_clean_fails_closed_when_clamd_is_down(make_clamd):
    with translation.override("en"), pytest.raises(UploadRefused) as caught:
        check_clean(b"hello", make_clamd("error").address)
    assert caught.value.code == "antivirus_unavailable"
    assert "try again" in caught.value.text


def test_check_clean_without_antivirus():
    assert check_clean(EICAR, None).skipped


@pytest.fixture(autouse=True)
def english():
    """The assertions read the messages' English source text."""
    from django.utils import translation

    with translation.override("en"):
        yield
