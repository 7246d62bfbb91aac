"""Search indexes (issue 19), PostgreSQL only: the student's folded name (trigrams, with the
`matricule_fold` function of accounts' 0010), and the identifiers the back office looks for in
the validated form data: the contact email as `iexact` compares it, the INE. The student number
has its unique index already.

Nothing on SQLite; no trigram index where the server does not offer pg_trgm."""

from django.db import migrations


def has_trigrams(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registration_contact_email ON registration_registration "
        "(UPPER(cleaned #>> '{contacts,email}'))"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registration_ine ON registration_registration "
        "((cleaned #>> '{ine,ine}'))"
    )
    if has_trigrams(schema_editor):
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS registration_student_name_trgm ON registration_student "
            "USING gin (matricule_fold(last_name || ' ' || first_names) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("registration_student_name_trgm", "registration_ine", "registration_contact_email"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0005_registration_purged_at"),
        ("accounts", "0010_search_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
