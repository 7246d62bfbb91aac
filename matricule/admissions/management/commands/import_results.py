from matricule.admissions.models import ImportRun
from matricule.admissions.results_importer import import_results
from matricule.admissions.runs import ImportCommand
from matricule.admissions.services import start_import


class Command(ImportCommand):
    help = (
        "Import last year's results (CSV, semicolon-separated, UTF-8 or Windows-1252; "
        "columns numero_etudiant, annee, code_etape, resultat), which continuing students "
        "re-register from. Safe to run again: unchanged lines change nothing."
    )
    year_help = (
        "the campaign the results prepare, e.g. 2024-2025 (default: the "
        "current campaign); each result keeps its own year from the file"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the CSV file")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        year = self.academic_year(options["year"])
        if options["background"]:
            self.report_queued(self.start_path(start_import, ImportRun.Kind.RESULTS, options["file"], year))
        else:
            self.report(self.import_path(import_results, options["file"], year))
