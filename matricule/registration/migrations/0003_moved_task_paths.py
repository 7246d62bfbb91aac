"""Tasks queued before the upgrade under a path that moved still run: the database queue's
waiting rows are pointed at the new path (the Redis queue should be drained before upgrading)."""

from django.db import migrations

MOVED = {
    "matricule.accounts.activation.offer_activation": "matricule.registration.tasks.offer_activation",
    "matricule.registration.tasks.send_registration_confirmation": (
        "matricule.certificates.tasks.send_registration_confirmation"
    ),
}


def repoint(apps, schema_editor, moves):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in moves.items():
        DBTaskResult.objects.filter(task_path=old, status="READY").update(task_path=new)


def forwards(apps, schema_editor):
    repoint(apps, schema_editor, MOVED)


def backwards(apps, schema_editor):
    repoint(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0002_student_identity"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
