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
def chartres_auditor(demo, django_user_model):
    """A read-only auditor of the IUT de Chartres."""
    from matricule.accounts.models import ComponentMembership
    from matricule.institution.models import Component

    user = django_user_model.objects.create_user("auditeur.chartres", password="x")
    ComponentMembership.objects.create(
        user=user, component=Component.objects.get(code="iut-chartres"), role=ComponentMembership.Role.AUDITOR
    )
    return user


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
def immediate_tasks(settings):
    """Tasks run at once, in the test, instead of waiting for a worker. (Emails stay in memory,
    as in every test: Django's test environment sends them to `mail.outbox`.)"""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


@pytest.fixture
def paris_time():
    def make(*args):
        import zoneinfo

        return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))

    return make


@pytest.fixture
def demo_candidates(demo):
    """The demo's admitted candidates by situation (see matricule.demo.seed.CANDIDATES)."""
    from matricule.admissions.models import Candidate

    by_key = {}
    for candidate in Candidate.objects.filter(academic_year=demo.current_year):
        by_key[candidate.first_names.split()[0].lower()] = candidate
    return {
        "accepted": by_key["chloé"],
        "complementary": by_key["inès"],
        "keeping_wishes": by_key["moussa"],
        "refused": by_key["hugo"],
        "continuing_education": by_key["nadia"],
        "unmapped": by_key["thanh"],
    }


@pytest.fixture
def intruder(demo_candidates):
    """Another browser: another admitted candidate (Inès), signed in, with no registration of
    her own."""
    from django.test import Client

    from matricule.accounts.admission_login import user_for_candidate

    browser = Client()
    browser.force_login(user_for_candidate(demo_candidates["complementary"]))
    return browser


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that don't check hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in French, whatever language the one before left active."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def memory_cache(settings):
    """The cache in memory, emptied for each test, as Redis is in production: the database cache
    would add its own queries to the counts tests make."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_reference_data():
    """The per-process reference data (institution.reference) starts empty for each test: a
    rolled-back test may leave a stage whose id the next test reuses."""
    from matricule.institution import reference

    reference.forget()
    yield
    reference.forget()


@pytest.fixture(autouse=True)
def staff_second_factor_off(settings):
    """Staff tests sign in with force_login; the second-factor tests turn it back on."""
    settings.MATRICULE_STAFF_REQUIRE_2FA = False


@pytest.fixture
def staff_client(client):
    """staff_client(user) -> the test client, signed in as after both factors."""
    from matricule.accounts.staff import mark_verified

    def sign_in(user):
        client.force_login(user)
        mark_verified(client.session)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploaded and issued files go to a folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
