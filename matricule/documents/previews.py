"""The images agents see on the review screen: made once per version, in the bounded sandbox,
stored beside the file and served from storage, never rendered again for each view."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction

from . import sandbox
from .models import Preview, Version
from .render import RenderError, preview_images

logger = logging.getLogger(__name__)

PREVIEW_PAGES = 5
PREVIEW_WIDTH = 1200


def previews_of(version: Version) -> list[Preview]:
    """The version's previews, made on the first call; [] when none can be made (the reason is
    kept on the version, so a file that defeats the renderer is not tried on every view)."""
    existing = list(version.previews.all())
    if existing or version.preview_error:
        return existing
    with transaction.atomic():
        # Two agents opening the file together: the second waits here, then finds the previews.
        locked = Version.objects.select_for_update().get(pk=version.pk)
        existing = list(locked.previews.all())
        if existing or locked.preview_error:
            return existing
        with locked.file.open("rb") as handle:
            data = handle.read()
        try:
            images = sandbox.run(
                preview_images, data, locked.content_type, max_pages=PREVIEW_PAGES, width=PREVIEW_WIDTH
            )
        except (sandbox.LimitExceeded, RenderError) as error:
            reason = error.reason if isinstance(error, sandbox.LimitExceeded) else "invalid"
            logger.warning("No preview for document version %s: %s", locked.pk, reason)
            Version.objects.filter(pk=locked.pk).update(preview_error=reason)
            version.preview_error = reason
            return []
        rows = []
        for page, (content_type, image) in enumerate(images, start=1):
            preview = Preview(version=locked, page=page, content_type=content_type)
            preview.file.save(f"page{page}", ContentFile(image), save=False)
            rows.append(preview)
        Preview.objects.bulk_create(rows)
    return rows


def preview_page(version: Version, page: int) -> Preview | None:
    return next((p for p in previews_of(version) if p.page == page), None)
