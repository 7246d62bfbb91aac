"""What the back office keeps (`models.py`): the agents' column choices and the prepared exports."""

import re

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from matricule.backoffice.models import ExportJob, ExportPreference, export_path


def test_an_export_file_gets_an_unguessable_name_keeping_its_extension():
    first = export_path(None, "registrations-2026-2027.xlsx")
    assert re.fullmatch(r"exports/[0-9a-f]{32}\.xlsx", first)
    assert export_path(None, "registrations-2026-2027.xlsx") != first
    assert re.fullmatch(r"exports/[0-9a-f]{32}\.bin", export_path(None, "no-extension"))


def test_a_job_may_be_downloaded_once_done_with_its_file(iut_agent):
    job = ExportJob.objects.create(user=iut_agent, exporter="registrations", format="csv")
    assert job.status == ExportJob.Status.QUEUED and not job.downloadable
    job.status = ExportJob.Status.DONE
    assert not job.downloadable  # no file yet
    job.file.save("registrations.csv", ContentFile(b"a;b\n"))
    assert job.downloadable
    assert re.fullmatch(r"exports/[0-9a-f]{32}\.csv", job.file.name)


def test_the_database_refuses_an_unknown_status_or_format(iut_agent):
    for fields in ({"status": "lost", "format": "csv"}, {"format": "pdf"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ExportJob.objects.create(user=iut_agent, exporter="registrations", **fields)


def test_one_column_choice_per_agent_and_export(iut_agent, other_agent):
    ExportPreference.objects.create(user=iut_agent, exporter="payments", columns=["reference"])
    ExportPreference.objects.create(user=iut_agent, exporter="documents")
    ExportPreference.objects.create(user=other_agent, exporter="payments")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExportPreference.objects.create(user=iut_agent, exporter="payments")
