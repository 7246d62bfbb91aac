"""The table of the database cache (MATRICULE_CACHE_URL=db, the default), created by `migrate` so
that a database migrated and nothing else works: the public page and the login pages read the
campaign rows of this app from the cache on every request.

`createcachetable` creates the table of every configured DatabaseCache, on this database, if it
is missing, and nothing for Redis or local-memory caches. Kept when migrating backwards: the
table holds nothing but cached values."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("institution", "0004_programme_accepts_additional"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
