from django.core.management.base import BaseCommand

from matricule.backoffice.exports.services import purge_expired_jobs, retention


class Command(BaseCommand):
    help = (
        "Delete the prepared export files (and their rows) older than the retention period "
        "(MATRICULE_EXPORT_RETENTION_DAYS). Exports hold personal data: the task workers run it "
        "daily (scheduling), so that they go even when nobody exports; each new export also purges."
    )

    def handle(self, *args, **options):
        count = purge_expired_jobs()
        self.stdout.write(f"{count} export(s) older than {retention().days} days deleted.")
