from django.core.management.base import BaseCommand

from matricule.notifications.services import deliver_due


class Command(BaseCommand):
    help = (
        "Send the emails due: queued and left behind, retrying whose next attempt has come, or "
        "abandoned by a sender that died. Safe to run while workers run, and on several at once."
    )

    def handle(self, *args, **options):
        sent = deliver_due()
        self.stdout.write(f"{sent} email(s) sent.")
