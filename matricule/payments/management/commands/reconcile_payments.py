import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from matricule.payments.services import reconcile


class Command(BaseCommand):
    help = (
        "Ask the gateways about payments pending for more than a few minutes (a lost or late "
        "notification), and list those no gateway look-up could settle (gateway without look-up "
        "here, or look-up failed): staff check them in the gateway's back office. The task workers "
        "run the look-ups every two minutes (scheduling)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=5)

    def handle(self, *args, minutes, **options):
        result = reconcile(datetime.timedelta(minutes=minutes))
        self.stdout.write(f"{result.looked_up} pending payment(s) looked up.")
        if not result.unsettled:
            return
        self.stdout.write(
            f"{len(result.unsettled)} payment(s) pending for more than {minutes} minute(s) "
            "that no gateway look-up settled:"
        )
        for item in result.unsettled:
            payment = item.payment
            since = timezone.localtime(payment.created_at).strftime("%Y-%m-%d %H:%M")
            reason = f"{item.reason}: {item.detail}" if item.detail else item.reason
            self.stdout.write(
                f"  {payment.reference}  {payment.gateway}  "
                f"{payment.amount_cents // 100}.{payment.amount_cents % 100:02d} {payment.currency}  "
                f"pending since {since}  ({reason})"
            )
