"""The data export's row (privacy/models.py): server-made file names, one export in progress per
person, and when a ready export may be downloaded."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from matricule.privacy.models import DataExport, export_path


def test_file_names_are_made_by_the_server():
    first, second = export_path(None, "../../etc/passwd"), export_path(None, "x.zip")
    assert first.startswith("data-exports/") and first.endswith(".zip") and ".." not in first
    assert first != second


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("etudiant")


def test_one_export_in_progress_per_person(user):
    later = timezone.now() + datetime.timedelta(days=7)
    DataExport.objects.create(user=user, expires_at=later)
    DataExport.objects.create(user=user, state="failed", expires_at=later)  # others may coexist
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(user=user, expires_at=later)


def test_a_ready_export_has_a_file(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(user=user, state="ready", expires_at=timezone.now())


def test_downloadable_only_when_ready_with_a_file_and_not_expired(user):
    now = timezone.now()
    export = DataExport(user=user, state="ready", file="data-exports/x.zip", ready_at=now)
    export.expires_at = now + datetime.timedelta(minutes=1)
    assert export.downloadable
    export.expires_at = now - datetime.timedelta(minutes=1)
    assert not export.downloadable
    export.expires_at, export.state = now + datetime.timedelta(minutes=1), "requested"
    assert not export.downloadable
