from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from matricule.admissions.importer import import_file
from matricule.admissions.models import ImportRun
from matricule.admissions.parcoursup_api import ParcoursupError, client_from_settings, import_from_api
from matricule.admissions.runs import ImportCommand
from matricule.admissions.services import start_import


class Command(ImportCommand):
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
        super().add_arguments(parser)

    def handle(self, *args, **options):
        year = self.academic_year(options["year"])
        if options["from_api"]:
            if options["background"]:
                raise CommandError("--background imports a file: it does not go with --from-api.")
            try:
                run = import_from_api(client_from_settings(), academic_year=year)
            except (ParcoursupError, ImproperlyConfigured) as error:
                raise CommandError(str(error)) from None
        elif options["file"]:
            if options["background"]:
                self.report_queued(
                    self.start_path(start_import, ImportRun.Kind.ADMISSIONS, options["file"], year)
                )
                return
            run = self.import_path(import_file, options["file"], year)
        else:
            raise CommandError("Give the CSV file to import, or --from-api.")
        self.report(run)
