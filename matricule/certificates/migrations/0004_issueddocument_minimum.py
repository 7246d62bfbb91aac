# What the public verification page keeps of a document once the retention schedule has purged
# its registration (privacy.retention): the holder's initials, the year and the stage, copied
# here from the certified data of the documents already issued.

from django.db import migrations, models

BATCH = 500


def initials(first_names, last_name):
    # As certificates.models.initials (a migration keeps its own copy of what it runs).
    first = (first_names or "").split()
    names = [first[0] if first else "", (last_name or "").strip()]
    return " ".join(f"{name[0].upper()}." for name in names if name)


def keep_the_minimum(apps, schema_editor):
    IssuedDocument = apps.get_model("certificates", "IssuedDocument")
    last = 0
    while True:
        batch = list(IssuedDocument.objects.filter(pk__gt=last).only("pk", "data").order_by("pk")[:BATCH])
        if not batch:
            return
        for document in batch:
            data = document.data if isinstance(document.data, dict) else {}
            document.holder_initials = initials(str(data.get("first_names", "")), str(data.get("last_name", "")))
            document.academic_year_code = str(data.get("academic_year", ""))[:9]
            document.stage_name = str(data.get("stage", ""))[:200]
        IssuedDocument.objects.bulk_update(batch, ["holder_initials", "academic_year_code", "stage_name"])
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0003_bulkgeneration_failed'),
    ]

    operations = [
        migrations.AddField(
            model_name='issueddocument',
            name='academic_year_code',
            field=models.CharField(blank=True, max_length=9, verbose_name='academic year'),
        ),
        migrations.AddField(
            model_name='issueddocument',
            name='holder_initials',
            field=models.CharField(blank=True, max_length=12, verbose_name="holder's initials"),
        ),
        migrations.AddField(
            model_name='issueddocument',
            name='purged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='personal data purged at'),
        ),
        migrations.AddField(
            model_name='issueddocument',
            name='stage_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='programme stage'),
        ),
        migrations.RunPython(keep_the_minimum, migrations.RunPython.noop),
    ]
