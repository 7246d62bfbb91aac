"""The student a document or attachment opening is about (`data.student`), indexed on
PostgreSQL: the student's "who read my file" page (registration/file_readings.py) looks for
them among every audit event. Nothing on SQLite."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS audit_event_data_student ON audit_event ((data -> 'student'))"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS audit_event_data_student")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_event_component"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
