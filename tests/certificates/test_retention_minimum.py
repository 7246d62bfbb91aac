"""What an issued document keeps for its verification once the retention schedule has purged its
registration (privacy.retention): the holder's initials, the year and the stage, set when it is
issued and, for the documents issued before, by migration 0004; and nothing issued again for a
purged registration (a new document would revoke the one still verifiable)."""

import pytest
from django.utils import timezone

from matricule.certificates import services
from matricule.certificates.models import IssuedDocument, initials
from tests.migrating import database_at, migrate

from .conftest import complete


def test_initials_are_the_first_letters_of_the_first_first_name_and_the_birth_name():
    assert initials("Chloé Marie", "LEFÈVRE") == "C. L."
    assert initials("élodie", "d'Arc") == "É. D."
    assert initials("", "DUPONT") == "D."
    assert initials("  ", "") == ""


def test_the_minimum_is_kept_when_a_document_is_issued(registered, iut_agent):
    complete(registered, iut_agent)
    document = services.issue_certificate(registered, "fr")
    assert (document.holder_initials, document.academic_year_code, document.stage_name) == (
        "C. L.",
        registered.academic_year.code,
        registered.stage.name,
    )
    summary = IssuedDocument.objects.get(registration=registered, kind="summary")
    assert summary.holder_initials == "C. L." and summary.purged_at is None


def test_nothing_is_issued_again_for_a_purged_registration(client, registered, iut_agent):
    complete(registered, iut_agent)
    registered.purged_at = timezone.now()
    registered.save(update_fields=["purged_at"])
    assert not services.certificate_available(registered)
    with pytest.raises(services.RegistrationPurged):
        services.issue_summary(registered)
    client.force_login(registered.student.user)
    assert client.get(f"/inscription/{registered.pk}/recapitulatif.pdf").status_code == 404
    assert client.get(f"/inscription/{registered.pk}/certificat-fr.pdf").status_code == 404
    assert client.get(f"/inscription/{registered.pk}/certificat/").status_code == 409
    assert not IssuedDocument.objects.filter(status="revoked").exists()


def every_app_at_its_latest(certificates: str) -> list:
    """The latest migration of every app, certificates at `certificates` (the state of the other
    apps' models as they are now, e.g. the user's security stamp)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(connection).graph.leaf_nodes()
    return [node for node in leaves if node[0] != "certificates"] + [("certificates", certificates)]


@pytest.fixture
def before_minimum():
    yield from database_at(every_app_at_its_latest("0003_bulkgeneration_failed"))


@pytest.mark.django_db(transaction=True)
def test_the_documents_issued_before_get_their_minimum_from_their_data(before_minimum):
    apps = before_minimum
    user = apps.get_model("accounts", "User").objects.create(username="ancien")
    student = apps.get_model("registration", "Student").objects.create(user=user)
    university = apps.get_model("institution", "University").objects.create(name="U")
    component = apps.get_model("institution", "Component").objects.create(
        university=university,
        code="c",
        name="C",
        street="s",
        postal_code="1",
        city="x",
        email="c@example.org",
    )
    programme = apps.get_model("institution", "Programme").objects.create(
        component=component, code="p", name="P", diploma_type="BUT"
    )
    stage = apps.get_model("institution", "Stage").objects.create(
        programme=programme, code="P-1", name="BUT1 P"
    )
    year = apps.get_model("institution", "AcademicYear").objects.create(
        code="2020-2021", starts_on="2020-09-01", ends_on="2021-08-31", cvec_amount_cents=9200
    )
    registration = apps.get_model("registration", "Registration").objects.create(
        student=student, academic_year=year, stage=stage
    )
    issued = apps.get_model("certificates", "IssuedDocument")
    data = {"last_name": "MARTIN", "first_names": "Léa Anne", "academic_year": "2020-2021", "stage": "BUT1 P"}
    old = issued.objects.create(
        serial="AAAA-BBBB-CCCC",
        kind="certificate",
        registration=registration,
        data=data,
        data_hash="h",
        file="f.pdf",
    )
    odd = issued.objects.create(
        serial="AAAA-BBBB-CCCD",
        kind="receipt",
        registration=registration,
        data=[],
        data_hash="h",
        file="g.pdf",
    )

    issued = migrate(every_app_at_its_latest("0004_issueddocument_minimum")).get_model(
        "certificates", "IssuedDocument"
    )

    old, odd = issued.objects.get(pk=old.pk), issued.objects.get(pk=odd.pk)
    assert (old.holder_initials, old.academic_year_code, old.stage_name) == ("L. M.", "2020-2021", "BUT1 P")
    assert (odd.holder_initials, odd.academic_year_code, odd.stage_name, odd.purged_at) == ("", "", "", None)
