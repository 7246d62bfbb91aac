"""Starting an import in the background, for the admin's upload page, `manage.py import_admissions
--background` / `import_results --background` and, later, the API: the file is kept in the
default storage under a name the server chooses, the run is recorded as queued, and the task
(`tasks.py`) imports it once the transaction commits; the run's progress page follows it."""

import uuid
from pathlib import PurePath

from django.core.files.storage import default_storage
from django.db import transaction

from matricule.audit.services import record
from matricule.institution.models import AcademicYear

from . import runs, tasks
from .models import ImportRun

# Where uploaded files wait for their import, in the default storage (private: never served).
STORAGE_FOLDER = "imports"


def stored_name() -> str:
    """A new name in the storage, chosen here: never a path or a name the uploader gave."""
    return f"{STORAGE_FOLDER}/{uuid.uuid4().hex}.csv"


def start_import(
    kind: str, fileobj, *, academic_year: AcademicYear, user=None, file_name: str = ""
) -> ImportRun:
    """Queue the import of a CSV file (a binary file object, read to its end here) of `kind`
    (`ImportRun.Kind`) into `academic_year`; returns the queued run. `file_name` is the name
    the report shows (the uploaded file's, by default)."""
    kind = ImportRun.Kind(kind)
    file_name = file_name or PurePath(str(getattr(fileobj, "name", "") or "")).name
    stored = default_storage.save(stored_name(), fileobj)
    try:
        with transaction.atomic():
            run = runs.queue(
                kind=kind, academic_year=academic_year, user=user, file_name=file_name, stored_file=stored
            )
            record(
                "admissions.import.queued",
                actor=user,
                obj=run,
                kind=kind.value,
                academic_year=academic_year.code,
                file_name=run.file_name,
            )
            transaction.on_commit(lambda: tasks.import_queued_run.enqueue(run.pk))
    except BaseException:
        default_storage.delete(stored)
        raise
    return run
