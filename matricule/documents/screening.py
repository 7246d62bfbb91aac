"""The one way into the application for a student's file: read it with a size bound, check it
by its content in the bounded sandbox, then ask the antivirus. Supporting documents and the
attachments of requests both come through here."""

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from . import sandbox
from .checks import CheckedFile, UploadRefused, check_upload, read_bounded
from .clamav import check_clean

logger = logging.getLogger(__name__)

OVER_LIMITS = _(
    "This file needs more memory or time to be checked than a document ever does (it may be damaged "
    "or built to harm): export, print to PDF or scan it again."
)
CHECK_FAILED = _("This file could not be checked: export, print to PDF or scan it again.")


def screen_upload(data, *, max_bytes: int | None = None, max_pages: int | None = None) -> CheckedFile:
    """What to store of an upload, or UploadRefused with the reason for the student."""
    max_bytes = max_bytes or settings.MATRICULE_UPLOAD_MAX_BYTES
    max_pages = max_pages or settings.MATRICULE_UPLOAD_MAX_PAGES
    content = read_bounded(data, max_bytes)  # at most one byte over: the rest is never read
    try:
        checked = sandbox.run(check_upload, content, max_bytes=max_bytes, max_pages=max_pages)
    except sandbox.LimitExceeded as exceeded:
        logger.warning("Upload refused: its check went over the sandbox's %s limit", exceeded.reason)
        raise UploadRefused("over_limits", OVER_LIMITS, params={"limit": exceeded.reason}) from None
    except UploadRefused:
        raise
    except Exception:
        # A parser failing in a way the checks did not foresee: refused, never a server error.
        logger.exception("Upload refused: its check failed")
        raise UploadRefused("check_failed", CHECK_FAILED) from None
    check_clean(checked.content, settings.MATRICULE_CLAMD_ADDRESS)
    return checked


def store(row, checked: CheckedFile):
    """Store a checked file on `row`, a new upload row (a document's `Version`, a request's
    `Attachment`: both have these fields), under a name the server makes; the row is saved."""
    row.extension, row.content_type = checked.extension, checked.content_type
    row.size, row.sha256, row.pages = len(checked.content), checked.sha256, checked.pages
    row.file.save("upload" + checked.extension, ContentFile(checked.content), save=False)
    row.save()
    return row
