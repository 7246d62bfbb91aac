"""Plain-text report of an import run, shared by the command and the back office."""

from collections.abc import Iterator

from django.utils.translation import gettext

from .models import ImportRun


def ignored_columns_note(run: ImportRun) -> str:
    """The sentence listing the file's headers the import did not read, or ""."""
    if not run.ignored_columns:
        return ""
    return gettext("Columns ignored (not read by this import): %(columns)s") % {
        "columns": ", ".join(run.ignored_columns)
    }


def report_lines(run: ImportRun) -> Iterator[str]:
    yield gettext("Import of %(file)s into %(year)s: %(status)s") % {
        "file": run.file_name or "-",
        "year": run.academic_year.code,
        "status": run.get_status_display(),
    }
    yield ", ".join(f"{label}: {value}" for label, value in run.counts())
    if note := ignored_columns_note(run):
        yield note
    # iterator(): a run on a very bad file may hold as many issues as it has lines.
    for issue in run.issues.select_related("run").order_by("line_number", "pk").iterator(chunk_size=2000):
        yield issue.describe()
        if hint := issue.hint:
            # Under its issue, indented: the issue's line stays the same with or without it.
            yield f"  {hint}"
