from matricule.admissions.results_importer import import_results
from matricule.admissions.runs import ImportCommand


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
        self.report(self.import_path(import_results, options["file"], year))
