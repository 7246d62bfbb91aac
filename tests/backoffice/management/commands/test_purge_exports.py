"""`manage.py purge_exports`: prepared exports older than the retention period go, files and rows."""

import datetime

from matricule.backoffice.models import ExportJob
from tests.backoffice.conftest import export_job


def test_purge_exports_deletes_old_files_without_a_new_export(exports, iut_agent):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from matricule.backoffice.exports import services

    old = export_job(iut_agent, exports.year)
    services.run_job(old.pk)
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    recent = export_job(iut_agent, exports.year)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    out = StringIO()
    call_command("purge_exports", stdout=out)
    assert "1 export(s) older than 7 days deleted." in out.getvalue()
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not storage.exists(name)
