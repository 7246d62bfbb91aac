"""manage.py open_enrolment: a staff member may set up an authenticator app with their password."""

import datetime

import pytest
from django.utils import timezone

from matricule.accounts.models import AccountSecurity


def test_open_enrolment_command(iut_agent, enrolled, django_user_model):
    from io import StringIO

    from django.core.management import CommandError, call_command

    newcomer = django_user_model.objects.create_user(username="new.admin")
    out = StringIO()
    call_command("open_enrolment", "new.admin", "--hours", "4", stdout=out)
    assert "new.admin may set up an authenticator app until" in out.getvalue()
    until = AccountSecurity.objects.get(user=newcomer).enrolment_open_until
    assert datetime.timedelta(hours=3) < until - timezone.now() <= datetime.timedelta(hours=4)
    with pytest.raises(CommandError):
        call_command("open_enrolment", "agent.chartres")  # already has an app
    with pytest.raises(CommandError):
        call_command("open_enrolment", "nobody")
