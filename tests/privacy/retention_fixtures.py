"""What the retention tests share (imported by their modules, not a conftest: the folder is
shared with the data export's tests): a moment in the future, the registered student of the
documents tests with her documents uploaded and validated, and a look into the storage."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.files.storage import default_storage

from tests.certificates.conftest import complete
from tests.documents.conftest import png_bytes, private_media, registered, upload_file  # noqa: F401

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def travel(moment: datetime.datetime):
    """Time stands at `moment` (what `timezone.now()` answers) inside the block."""
    return time_machine.travel(moment, tick=False)


def stored(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def end_of_year(registration) -> datetime.datetime:
    """Midnight after the last day of the registration's academic year."""
    day = registration.academic_year.ends_on + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=PARIS)


@pytest.fixture
def documented(registered, iut_agent):  # noqa: F811
    """Chloé registered, her documents uploaded and validated (the certificate is available)."""
    complete(registered, iut_agent)
    return registered


__all__ = [
    "at",
    "complete",
    "documented",
    "png_bytes",
    "private_media",
    "registered",
    "stored",
    "travel",
    "upload_file",
]
