"""`manage.py rebuild_counts [--year CODE …]`: recompute the registration counts the dashboard
reads (`registration.counts`) from the registrations themselves, for every year or the years
given. Idempotent; run it after a bulk import or a data migration (bulk writes bypass the
counting), preferably at a quiet moment."""

from django.core.management.base import BaseCommand, CommandError

from matricule.institution.models import AcademicYear
from matricule.registration import counts


class Command(BaseCommand):
    help = "Recompute the registration counts of the dashboard from the registrations."

    def add_arguments(self, parser):
        parser.add_argument("--year", action="append", dest="years", metavar="CODE", help="e.g. 2025-2026")

    def handle(self, *args, years=None, **options):
        chosen = AcademicYear.objects.all()
        if years:
            chosen = chosen.filter(code__in=years)
            missing = set(years) - set(chosen.values_list("code", flat=True))
            if missing:
                raise CommandError(f"Unknown academic year: {', '.join(sorted(missing))}")
        ids = list(chosen.order_by("code").values_list("pk", flat=True))
        written = counts.rebuild(ids)
        if options.get("verbosity", 1):
            self.stdout.write(f"{written} count rows written for {len(ids)} academic year(s).")
