"""The web service client against a local fake of Parcoursup's getCandidatsAdmis."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from matricule.admissions.importer import import_rows
from matricule.admissions.models import Candidate, ImportRun, Situation
from matricule.admissions.parcoursup_api import (
    ParcoursupAuthError,
    ParcoursupClient,
    ParcoursupError,
    client_from_settings,
    import_from_api,
    record_to_row,
)

from .conftest import ESTABLISHMENT, LOGIN, PASSWORD, FakeParcoursup


def client(endpoint, **overrides):
    options = {
        "login": LOGIN,
        "password": PASSWORD,
        "establishment_code": ESTABLISHMENT,
        "endpoint": endpoint,
        "timeout": 5,
        **overrides,
    }
    return ParcoursupClient(**options)


def test_api_import_feeds_the_same_pipeline(demo, fake_parcoursup):
    run = import_from_api(client(fake_parcoursup), academic_year=demo.current_year)

    path, body = FakeParcoursup.requests[0]
    assert body == {"codeEtablissement": ESTABLISHMENT, "identifiant": {"login": LOGIN, "pwd": PASSWORD}}
    assert (run.source, run.status) == (ImportRun.Source.API, ImportRun.Status.DONE)
    assert (run.lines_read, run.created, run.rejected, run.not_accepted) == (4, 2, 2, 1)
    assert [(i.line_number, i.column, i.code) for i in run.issues.order_by("line_number")] == [
        (2, "code_situation", "not_accepted"),
        (3, "date_naissance", "date_impossible"),
        (4, "", "not_a_record"),
    ]
    chloe = Candidate.objects.get(parcoursup_number="990012345")
    assert chloe.email_lower == "chloe.lefevre@example.org"
    assert chloe.address == "12 rue des Écuyers, Bât. B"
    assert (chloe.postal_code, chloe.city, chloe.phone) == ("28000", "Chartres", "0612345678")
    assert chloe.response_date.isoformat() == "2024-07-10"
    assert chloe.stage.code == "GEII-1" and chloe.situation == Situation.ACCEPTED
    assert Candidate.objects.get(parcoursup_number="990012346").situation == Situation.REFUSED

    again = import_from_api(client(fake_parcoursup), academic_year=demo.current_year)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_api_and_csv_rows_of_the_same_candidate_agree(demo, run_import, sample_bytes):
    """The CSV sample's Chloé, as the web service describes her, changes nothing."""
    run_import(sample_bytes)
    record = {
        "codeCandidat": "1234567",
        "ine": "0494004062M",
        "nom": "LEFÈVRE",
        "prenom": "Chloé",
        "sexe": "F",
        "dateNaissance": "14/03/2006",
        "mail": "chloe.lefevre@example.org",
        "telmobile": "0612345678",
        "libelleCommuneNaissance": "Chartres",
        "libellePaysNaissance": "France",
        "codePaysNationalite": "FR",
        "adresse1": "12 rue des Écuyers",
        "codePostal": "28000",
        "libelleCommune": "Chartres",
        "libellePaysAdresse": "France",
        "anneeBac": 2024,
        "serieBac": "Générale",
        "mentionBac": "Bien",
        "codeEtablissementSco": "0280007F",
        "codeFormationPsup": "GEII-1",
        "codeSituation": 1,
        "dateReponse": "10/07/2024 08:00",
        "phase": "principale",
        "boursier": "N",
    }
    run = import_rows([(1, record_to_row(record))], academic_year=demo.current_year)
    assert (run.unchanged, run.updated) == (1, 0)


def test_wrong_credentials_are_an_auth_error(demo, fake_parcoursup):
    with pytest.raises(ParcoursupAuthError, match="Identifiants incorrects"):
        import_from_api(client(fake_parcoursup, password="wrong"), academic_year=demo.current_year)
    assert not ImportRun.objects.exists()


def test_refusal_in_the_body_is_an_error(demo, fake_parcoursup):
    with pytest.raises(ParcoursupError, match="Établissement inconnu"):
        import_from_api(
            client(fake_parcoursup, establishment_code="0000000A"), academic_year=demo.current_year
        )


def test_unreachable_service(demo, fake_parcoursup):
    with pytest.raises(ParcoursupError, match="HTTP 404"):
        client(fake_parcoursup.replace("/ApiRest/", "/Autre/")).admitted_candidates()


def test_plain_http_is_refused_except_on_this_machine():
    with pytest.raises(ImproperlyConfigured, match="HTTPS"):
        client("http://ws.parcoursup.fr/ApiRest/")
    assert client("https://ws.parcoursup.fr/ApiRest").endpoint.endswith("/ApiRest/")


def test_client_from_settings(settings):
    settings.PARCOURSUP_API = {"login": "a", "password": "b", "establishment_code": "c"}
    assert client_from_settings().endpoint == "https://ws.parcoursup.fr/ApiRest/"
    settings.PARCOURSUP_API = {"login": "a"}
    with pytest.raises(ImproperlyConfigured, match="password, establishment_code"):
        client_from_settings()
