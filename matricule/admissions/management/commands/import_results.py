from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matricule.admissions.models import ImportRun
from matricule.admissions.results_importer import import_results, report_lines
from matricule.institution.models import AcademicYear


class Command(BaseCommand):
    help = (
        "Import last year's results (CSV, semicolon-separated, UTF-8 or Windows-1252; "
        "columns numero_etudiant, annee, code_etape, resultat), which continuing students "
        "re-register from. Safe to run again: unchanged lines change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        parser.add_argument(
            "--year",
            metavar="CODE",
            help="the campaign the results prepare, e.g. 2024-2025 (default: the "
            "current campaign); each result keeps its own year from the file",
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
        path = Path(options["file"])
        try:
            with path.open("rb") as handle:
                run = import_results(handle, academic_year=year, file_name=path.name)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        for line in report_lines(run):
            self.stdout.write(line)
        if run.status == ImportRun.Status.FAILED:
            raise CommandError("The import failed: see the reasons above.")
