"""Migrations 0007-0008: the base32 secrets of AccountSecurity become django-otp TOTP devices,
and an app set up before the upgrade gives codes that still pass after it (and back)."""

import datetime

import pyotp
import pytest
from django.utils import timezone

from tests.migrating import database_at, latest, migrate

BEFORE = [("accounts", "0006_user_security_stamp"), ("otp_totp", "0003_add_timestamps")]
AFTER = [("accounts", "0008_remove_accountsecurity_totp")]
STEP = datetime.timedelta(seconds=30)


@pytest.fixture
def before_upgrade():
    """The database as before the upgrade; brought back to the latest migrations after the test."""
    yield from database_at(BEFORE)


def old_account(apps, username, **security):
    user = apps.get_model("accounts", "User").objects.create(username=username)
    apps.get_model("accounts", "AccountSecurity").objects.create(user=user, **security)
    return user.pk


@pytest.mark.django_db(transaction=True)
def test_secrets_become_devices_that_accept_the_same_codes(before_upgrade, clock):
    secret = pyotp.random_base32()
    enabled_at = timezone.now() - datetime.timedelta(days=40)
    now = timezone.now()
    used_step = pyotp.TOTP(secret).timecode(now - STEP)  # the code of the step before was used
    enabled = old_account(
        before_upgrade,
        "enabled",
        totp_secret=secret,
        totp_confirmed_at=enabled_at,
        totp_last_step=used_step,
    )
    pending_secret = pyotp.random_base32()
    pending = old_account(before_upgrade, "pending", totp_secret=pending_secret)
    without = old_account(before_upgrade, "without")

    migrate(AFTER)
    latest()  # the code below reads today's models: the rest of the upgrade too
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from matricule.accounts import totp

    users = get_user_model().objects.in_bulk([enabled, pending, without])
    device = TOTPDevice.objects.get(user_id=enabled)
    assert device.confirmed and device.created_at == enabled_at
    assert totp.secret(device) == secret and totp.enabled_since(users[enabled]) == enabled_at
    code = pyotp.TOTP(secret)
    assert not totp.verify(users[enabled], code.at(now - STEP)).ok  # used before the upgrade
    assert totp.verify(users[enabled], code.at(now)).ok
    assert not totp.verify(users[enabled], code.at(now)).ok  # and once only

    # A set-up under way before the upgrade: the same key, still to be confirmed.
    assert not totp.is_enabled(users[pending])
    assert totp.start_setup(users[pending]) == pending_secret
    assert totp.confirm(users[pending], pyotp.TOTP(pending_secret).at(now)).ok

    assert not TOTPDevice.objects.filter(user_id=without).exists()


@pytest.mark.django_db(transaction=True)
def test_going_back_gives_the_secrets_back(before_upgrade, clock):
    secret = pyotp.random_base32()
    enabled_at = timezone.now() - datetime.timedelta(days=3)
    user = old_account(before_upgrade, "enabled", totp_secret=secret, totp_confirmed_at=enabled_at)
    pending = old_account(before_upgrade, "pending", totp_secret="jbswy3dpehpk3pxp")  # any case, no padding

    migrate(AFTER)
    apps = migrate(BEFORE)
    AccountSecurity = apps.get_model("accounts", "AccountSecurity")
    restored = AccountSecurity.objects.get(user_id=user)
    assert (restored.totp_secret, restored.totp_confirmed_at, restored.totp_last_step) == (
        secret,
        enabled_at,
        None,
    )
    assert AccountSecurity.objects.get(user_id=pending).totp_secret == "JBSWY3DPEHPK3PXP"
    assert AccountSecurity.objects.get(user_id=pending).totp_confirmed_at is None
    assert not apps.get_model("otp_totp", "TOTPDevice").objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_secret_that_is_not_base32_stops_the_upgrade(before_upgrade):
    # pyotp could not read it either: no code ever passed, and nothing is dropped unseen.
    user = old_account(before_upgrade, "broken", totp_secret="not base32!", totp_confirmed_at=timezone.now())
    with pytest.raises(ValueError, match=f"User {user}: the TOTP secret is not base32"):
        migrate(AFTER)
    AccountSecurity = before_upgrade.get_model("accounts", "AccountSecurity")
    assert AccountSecurity.objects.get(user_id=user).totp_secret == "not base32!"  # still there
    AccountSecurity.objects.filter(user_id=user).update(totp_secret="")  # so that the fixture can upgrade
