from django.core.management.base import BaseCommand

from matricule.payments.services import reconcile


class Command(BaseCommand):
    help = (
        "Ask the gateways about payments pending for more than a few minutes (a lost or late "
        "notification). The task workers run it every two minutes (scheduling)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=5)

    def handle(self, *args, minutes, **options):
        import datetime

        count = reconcile(datetime.timedelta(minutes=minutes))
        self.stdout.write(f"{count} pending payment(s) looked up.")
