from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from matricule.accounts import staff


class Command(BaseCommand):
    help = (
        "Let a staff member set up their authenticator app with their password alone for the "
        "next hours (72 by default): the first administrator of a new installation, or anyone "
        "whose set-up period ran out. Check who is asking first."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--hours", type=int, default=staff.ENROLMENT_HOURS)

    def handle(self, *args, username, hours, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        if staff.has_second_factor(user):
            raise CommandError(
                f"{username} already has an authenticator app: reset it from the administration."
            )
        if hours < 1:
            raise CommandError("--hours must be at least 1.")
        until = staff.open_enrolment(user, hours=hours)
        self.stdout.write(f"{username} may set up an authenticator app until {until:%Y-%m-%d %H:%M} UTC.")
