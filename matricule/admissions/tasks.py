"""The imports in the background: a queued run (`services.start_import`) imported by the task
worker, once."""

from matricule.compat import task

from . import importer, results_importer, runs
from .models import ImportRun

# How each kind of run imports its stored file.
IMPORTS = {
    ImportRun.Kind.ADMISSIONS: importer.import_stored,
    ImportRun.Kind.RESULTS: results_importer.import_stored,
}


@task(queue_name="default")
def import_queued_run(run_id: int) -> str | None:
    """Import the file of a queued run; returns the run's final status. A run that is not
    queued any more (taken by another worker, done or failed) is left alone and None returned:
    running the task twice does not import twice."""
    run = runs.claim(run_id)
    if run is None:
        return None
    return IMPORTS[run.kind](run).status
