"""The web service client against a local fake of Parcoursup's getCandidatsAdmis."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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

LOGIN, PASSWORD, ESTABLISHMENT = "0451234X", "s3cret-psup", "0451234X"

RECORDS = [
    {
        "codeCandidat": 990012345,
        "ine": "0494004062M",
        "nom": "LEFÈVRE",
        "prenom": "Chloé",
        "sexe": "F",
        "dateNaissance": "14/03/2006",
        "mail": "Chloe.Lefevre@example.org",
        "telfixe": None,
        "telmobile": "0612345678",
        "codeCommuneNaissance": "28085",
        "codePaysNaissance": "99100",
        "codePaysNationalite": "99100",
        "adresse1": "12 rue des Écuyers",
        "adresse2": "Bât. B",
        "adresse3": None,
        "codepostale": "28000",
        "libelleCommune": "Chartres",
        "codePaysAdresse": "99100",
        "anneeBac": "2024",
        "moisBac": "7",
        "serieBac": "Générale",
        "mentionBac": "Bien",
        "codeEtablissementSco": "0280007F",
        "libelleEtablissementSco": "Lycée Marceau",
        "nomRL1": "LEFÈVRE",
        "mailRL1": "parent@example.org",
        "codeFormationPsup": "GEII-1",
        "codeEtablissementAffectation": ESTABLISHMENT,
        "cesure": "0",
        "internat": "0",
        "dateReponse": "10/07/2024 14:32",
        "codeSituation": 1,
    },
    {
        "codeCandidat": 990012346,
        "nom": "DUBOIS",
        "prenom": "Hugo",
        "sexe": "M",
        "dateNaissance": "07/07/2006",
        "mail": "hugo.dubois@example.org",
        "codeFormationPsup": "GEA-1",
        "dateReponse": "12/07/2024 09:00",
        "codeSituation": 3,
    },
    {
        "codeCandidat": 990012347,
        "nom": "MARTIN",
        "prenom": "Léa",
        "sexe": "F",
        "dateNaissance": "31/02/2006",
        "mail": "lea.martin@example.org",
        "codeFormationPsup": "GEA-1",
        "codeSituation": 1,
    },
    "not a record",
]


class FakeParcoursup(BaseHTTPRequestHandler):
    """Speaks the shape of ws.parcoursup.fr/ApiRest: JSON POST with the credentials."""

    records = RECORDS
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.path, body))
        credentials = body.get("identifiant") or {}
        if self.path != "/ApiRest/getCandidatsAdmis":
            self.answer(404, {"retour": "NOK", "message": "Méthode inconnue"})
        elif (credentials.get("login"), credentials.get("pwd")) != (LOGIN, PASSWORD):
            self.answer(401, {"retour": "NOK", "message": "Identifiants incorrects"})
        elif body.get("codeEtablissement") != ESTABLISHMENT:
            self.answer(200, {"retour": "NOK", "message": "Établissement inconnu"})
        else:
            self.answer(200, self.records)

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass  # keep the test output quiet


@pytest.fixture
def fake_parcoursup():
    FakeParcoursup.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeParcoursup)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ApiRest/"
    server.shutdown()
    server.server_close()
    thread.join()


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


def test_import_command_from_the_web_service(demo, fake_parcoursup, settings, capsys):
    from django.core.management import call_command

    settings.PARCOURSUP_API = {
        "login": LOGIN,
        "password": PASSWORD,
        "establishment_code": ESTABLISHMENT,
        "endpoint": fake_parcoursup,
    }
    call_command("import_admissions", "--from-api")
    assert Candidate.objects.filter(parcoursup_number="990012345").exists()
    assert "enregistrement 3, colonne date_naissance" in capsys.readouterr().out


def test_import_command_without_web_service_configuration_says_so(demo, settings):
    from django.core.management import CommandError, call_command

    settings.PARCOURSUP_API = {"login": "", "password": "", "establishment_code": ""}
    with pytest.raises(CommandError, match="not configured"):
        call_command("import_admissions", "--from-api")
