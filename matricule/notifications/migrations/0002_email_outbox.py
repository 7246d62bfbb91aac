# The delivery log becomes an outbox: an idempotency key per message, the states of a send
# (queued → sending → sent, retrying, failed), the next attempt, the claim and, for messages
# that are not kept in full, the task that makes them again.

from django.db import migrations, models
from django.db.models.functions import Cast, Concat

# The kinds that `send_now` logged with the link masked or without their attachment: their body
# here is not what was sent, so it must never be sent again as it is.
NOT_KEPT_IN_FULL = ["login_link", "account_activate", "account_reset", "registration_confirmed"]


def fill_keys(apps, schema_editor):
    Email = apps.get_model("notifications", "Email")
    Email.objects.update(key=Concat(models.Value("legacy:"), Cast("pk", models.CharField())))
    Email.objects.filter(kind__in=NOT_KEPT_IN_FULL).update(kept_in_full=False)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='email',
            name='email_status_valid',
        ),
        migrations.RenameField(
            model_name='email',
            old_name='error',
            new_name='last_error',
        ),
        migrations.AddField(
            model_name='email',
            name='key',
            field=models.CharField(max_length=200, null=True, verbose_name='idempotency key'),
        ),
        migrations.AddField(
            model_name='email',
            name='kept_in_full',
            field=models.BooleanField(default=True, verbose_name='kept in full'),
        ),
        migrations.AddField(
            model_name='email',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='next attempt'),
        ),
        migrations.AddField(
            model_name='email',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='claimed at'),
        ),
        migrations.AddField(
            model_name='email',
            name='task_path',
            field=models.CharField(blank=True, default='', max_length=200, verbose_name='made by the task'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='email',
            name='task_id',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name='task run'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='email',
            name='task_arguments',
            field=models.JSONField(blank=True, default=dict, verbose_name='task arguments'),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='email',
            name='key',
            field=models.CharField(max_length=200, unique=True, verbose_name='idempotency key'),
        ),
        migrations.AlterField(
            model_name='email',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('retrying', 'Retrying'), ('failed', 'Failed')], default='queued', max_length=8, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='email',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'sending', 'sent', 'retrying', 'failed'])), name='email_status_valid'),
        ),
        migrations.AddIndex(
            model_name='email',
            index=models.Index(condition=models.Q(('status', 'sent'), _negated=True), fields=['status', 'next_attempt_at'], name='email_unsent_idx'),
        ),
    ]
