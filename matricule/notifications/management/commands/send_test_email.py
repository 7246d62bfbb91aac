from django.core.management.base import BaseCommand

from matricule.notifications.services import send_test_email


class Command(BaseCommand):
    help = "Queue a test email; the task worker (manage.py db_worker) delivers it."

    def add_arguments(self, parser):
        parser.add_argument("to")

    def handle(self, *args, to, **options):
        email = send_test_email(to)
        self.stdout.write(f"Queued email #{email.pk} to {to}.")
