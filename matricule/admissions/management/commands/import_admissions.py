from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from matricule.admissions.importer import import_file
from matricule.admissions.models import ImportRun
from matricule.admissions.parcoursup_api import ParcoursupError, client_from_settings, import_from_api
from matricule.admissions.reports import report_lines
from matricule.institution.models import AcademicYear


class Command(BaseCommand):
    help = (
        "Import Parcoursup admitted candidates from a CSV file (semicolon-separated, "
        "UTF-8 or Windows-1252). Safe to run again: unchanged lines change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="path of the CSV file")
        parser.add_argument(
            "--from-api",
            action="store_true",
            help="fetch the admitted candidates from the Parcoursup web service "
            "(getCandidatsAdmis) configured by MATRICULE_PARCOURSUP_*",
        )
        parser.add_argument(
            "--year", metavar="CODE", help="academic year, e.g. 2024-2025 (default: the current campaign)"
        )

    def handle(self, *args, **options):
        if options["year"]:
            year = AcademicYear.objects.filter(code=options["year"]).first()
            if year is None:
                raise CommandError(f"No academic year {options['year']}.")
        else:
            year = AcademicYear.objects.current()
            if year is None:
                raise CommandError("No current academic year: give one with --year.")
        if options["from_api"]:
            try:
                run = import_from_api(client_from_settings(), academic_year=year)
            except (ParcoursupError, ImproperlyConfigured) as error:
                raise CommandError(str(error)) from None
            self._report(run)
            return
        if not options["file"]:
            raise CommandError("Give the CSV file to import, or --from-api.")
        path = Path(options["file"])
        try:
            with path.open("rb") as handle:
                run = import_file(handle, academic_year=year, file_name=path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        self._report(run)

    def _report(self, run):
        for line in report_lines(run):
            self.stdout.write(line)
        if run.status == ImportRun.Status.FAILED:
            raise CommandError("The import failed: see the reasons above.")
