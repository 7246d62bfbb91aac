from django.db import migrations
from django.db.models import Min, OuterRef, Subquery


def fill(apps, schema_editor):
    """Each registration's oldest document waiting for review (documents.waiting.rebuild, as of
    this migration)."""
    Registration = apps.get_model("registration", "Registration")
    Submission = apps.get_model("documents", "Submission")
    waiting = Submission.objects.filter(status="submitted")
    oldest = Subquery(
        waiting.filter(registration=OuterRef("pk"))
        .order_by()
        .values("registration")
        .annotate(oldest=Min("submitted_at"))
        .values("oldest")[:1]
    )
    Registration.objects.filter(pk__in=waiting.values("registration")).update(documents_waiting_since=oldest)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_previews"),
        ("registration", "0008_documents_waiting_since"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
