from django.core.management.base import BaseCommand, CommandError

from matricule.backoffice.audit_log import purge_events, retention_days


class Command(BaseCommand):
    help = (
        "Delete the audit events older than the retention period (MATRICULE_AUDIT_RETENTION_DAYS, "
        "ten years by default) and record the purge. The task workers run it daily (scheduling)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention period in days (default: MATRICULE_AUDIT_RETENTION_DAYS).",
        )

    def handle(self, *args, days, **options):
        days = retention_days() if days is None else days
        if days < 1:
            raise CommandError("The retention period must be at least one day.")
        count = purge_events(days)
        self.stdout.write(f"{count} audit event(s) older than {days} days deleted.")
