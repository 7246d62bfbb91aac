# The authenticator apps move from AccountSecurity.totp_* to django-otp's TOTPDevice (one per
# account, the same key): codes from the apps people already have keep working. 0008 then drops
# the old fields. Both ways copy everything, so that going back loses nothing either.

import base64
import binascii

from django.db import migrations
from django.utils import timezone

DEVICE_NAME = "authenticator app"  # as accounts.totp.DEVICE_NAME


def hex_key(secret: str) -> str:
    """django-otp's hex key of a base32 secret (as pyotp read it: padding optional, any case)."""
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True).hex()


def base32_secret(key: str) -> str:
    return base64.b32encode(bytes.fromhex(key)).decode()


def to_devices(apps, schema_editor):
    AccountSecurity = apps.get_model("accounts", "AccountSecurity")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    for security in AccountSecurity.objects.exclude(totp_secret="").order_by("pk"):
        try:
            key = hex_key(security.totp_secret)
        except binascii.Error as error:
            # pyotp could not read it either (no code ever passed): stop rather than drop it.
            raise ValueError(f"User {security.user_id}: the TOTP secret is not base32.") from error
        confirmed = security.totp_confirmed_at is not None
        device = TOTPDevice.objects.create(
            user_id=security.user_id,
            name=DEVICE_NAME,
            confirmed=confirmed,
            key=key,
            step=30,
            digits=6,
            tolerance=1,
            drift=0,
            # The last step a code was accepted for: a code already used stays used.
            last_t=security.totp_last_step if security.totp_last_step is not None else -1,
        )
        if confirmed:  # created_at is "on since" (auto_now_add would say today)
            TOTPDevice.objects.filter(pk=device.pk).update(created_at=security.totp_confirmed_at)


def to_fields(apps, schema_editor):
    AccountSecurity = apps.get_model("accounts", "AccountSecurity")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    # Unconfirmed first: an account's confirmed device, if any, is the one kept.
    for device in TOTPDevice.objects.order_by("confirmed", "pk"):
        AccountSecurity.objects.update_or_create(
            user_id=device.user_id,
            defaults={
                "totp_secret": base32_secret(device.key),
                "totp_confirmed_at": (device.created_at or timezone.now()) if device.confirmed else None,
                "totp_last_step": device.last_t if device.last_t >= 0 else None,
            },
        )
    TOTPDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_security_stamp"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(to_devices, to_fields),
    ]
