from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from matricule.privacy import retention


class Command(BaseCommand):
    help = (
        "Apply the retention schedule (privacy/retention.py, docs/data-protection.md): delete, "
        "pseudonymise or mask the personal data past their delay, files in the storage included, "
        "and record the run in the audit log. The task workers run it daily. --dry-run lists how "
        "many of each class are due, changing nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due per class; change and record nothing."
        )

    def handle(self, *args, dry_run, **options):
        try:
            counts = retention.apply(dry_run=dry_run)
        except retention.RetentionFailed as failed:
            message = _("Classes not applied (see the log): %(classes)s") % {"classes": failed}
            raise CommandError(message) from failed
        # In the site's language, as the classes' labels are.
        verb = _("due") if dry_run else _("removed")
        for data_class in retention.CLASSES:
            self.stdout.write(
                f"{data_class.code:<24} {counts[data_class.code]:>8} {verb}  "
                f"{data_class.label} ({data_class.delay()}, {data_class.end_label})"
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
        else:
            self.stdout.write(
                _("%(count)s removed in all; the run is in the audit log.") % {"count": sum(counts.values())}
            )
