"""Named personas and shared fixtures. Each persona is a real row in the test database."""

import datetime

import pytest
from django.core import mail

from matricule.demo.seed import seed


@pytest.fixture
def demo(db):
    """The demo instance as `manage.py demo` builds it, for a campaign open today."""
    return seed()


@pytest.fixture
def administrator(demo, django_user_model):
    return django_user_model.objects.get(username="admin")


@pytest.fixture
def iut_agent(demo, django_user_model):
    """A registrar agent of the IUT de Chartres."""
    return django_user_model.objects.get(username="agent.chartres")


@pytest.fixture
def other_agent(demo, django_user_model):
    """A registrar agent of another component (IUT d'Orléans)."""
    return django_user_model.objects.get(username="agent.orleans")


@pytest.fixture
def year_2024(demo):
    from matricule.institution.models import AcademicYear

    return AcademicYear.objects.get(code="2024-2025")


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def paris_time():
    def make(*args):
        import zoneinfo

        return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))

    return make
