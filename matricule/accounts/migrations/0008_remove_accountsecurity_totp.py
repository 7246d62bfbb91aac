# The authenticator apps are django-otp TOTP devices now (0007 copied them there).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_totp_devices"),
    ]

    operations = [
        migrations.RemoveField(model_name="accountsecurity", name="totp_confirmed_at"),
        migrations.RemoveField(model_name="accountsecurity", name="totp_last_step"),
        migrations.RemoveField(model_name="accountsecurity", name="totp_secret"),
    ]
