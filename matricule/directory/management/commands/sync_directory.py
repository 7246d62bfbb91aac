"""manage.py sync_directory --year 2024-2025 [--dry-run]: write again the ENT accounts of a
year's registered students, and mark those whose registration was cancelled."""

from django.core.management.base import BaseCommand, CommandError

from matricule.directory import config, services
from matricule.institution.models import AcademicYear


class Command(BaseCommand):
    help = "Synchronise the ENT accounts of an academic year's students with the directory."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="The academic year, e.g. 2024-2025.")
        parser.add_argument("--dry-run", action="store_true", help="Count, write nothing.")

    def handle(self, *args, year, dry_run, **options):
        if not config.enabled():
            raise CommandError("No directory is configured (MATRICULE_LDAP_URL).")
        if not AcademicYear.objects.filter(code=year).exists():
            raise CommandError(f"Unknown academic year {year!r}.")
        registered, cancelled = services.students_of_year(year)
        self.stdout.write(f"{year}: {len(registered)} registered, {len(cancelled)} cancelled to mark.")
        if dry_run:
            return
        outcomes = {"synced": 0, "failed": 0, "skipped": 0}
        for student_id in registered + cancelled:
            # Written here and now, one after the other; each is marked pending first so that a
            # failure is retried by the sweep like any other.
            services.request_sync(student_id)
            outcomes[services.sync(student_id)] += 1
        self.stdout.write(", ".join(f"{count} {outcome}" for outcome, count in outcomes.items()))
        if outcomes["failed"]:
            raise CommandError(f"{outcomes['failed']} accounts failed; they are retried automatically.")
