import io
import json
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from matricule.admissions.importer import import_file
from tests.loopback import FakeHandler, serving

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def tasks_at_once(immediate_tasks):
    """Imports queued for the task worker run at once, in the test (once the transaction that
    queued them commits: see `submit`); a test that needs a run to wait sets `waiting_tasks`."""


@pytest.fixture
def waiting_tasks(settings):
    """Queued tasks wait (the dummy backend keeps them): runs stay queued until a test runs
    their task itself."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": settings.TASK_QUEUES}
    }


def submit(client, path, data):
    """POST as a browser does, the transaction's on-commit work (queuing the import) included."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


@pytest.fixture
def sample_bytes():
    """The sample export of the formats documentation: BOM, accents and deliberate traps."""
    return (DATA / "admis-parcoursup.csv").read_bytes()


def runner(importer, demo, default_name):
    """run(content) -> the run of `importer` over the content (bytes, or lines of text), into
    the current campaign unless given an `academic_year`."""

    def run(content, *, academic_year=None, file_name=default_name, user=None):
        if isinstance(content, list):
            content = "\n".join(content).encode()
        return importer(
            io.BytesIO(content),
            academic_year=academic_year or demo.current_year,
            file_name=file_name,
            user=user,
        )

    return run


@pytest.fixture
def run_import(demo):
    """Import a Parcoursup file into the current campaign (or `academic_year`); returns the run."""
    return runner(import_file, demo, "admis.csv")


def imported(**filters):
    """Candidates written by an import (the demo seeds a few of its own)."""
    from matricule.admissions.models import Candidate

    return Candidate.objects.filter(last_import_run__isnull=False, **filters)


def issue_table(run):
    """(line, column, severity, code) of each issue, in line order."""
    return [
        (issue.line_number, issue.column, issue.severity, issue.code)
        for issue in run.issues.order_by("line_number", "pk")
    ]


COUNTS = ("lines_read", "created", "updated", "unchanged", "rejected", "unmapped", "not_accepted")


def counts(run, names=COUNTS):
    """The run's figures by name (the results import counts only the first five)."""
    return {name: getattr(run, name) for name in names}


# What an import of the sample file counts: the first time, then with its candidates already there.
SAMPLE_FIRST = {
    "lines_read": 7,
    "created": 5,
    "updated": 0,
    "unchanged": 1,
    "rejected": 1,
    "unmapped": 1,
    "not_accepted": 1,
}
SAMPLE_AGAIN = {**SAMPLE_FIRST, "created": 0, "unchanged": 6}


HEADER = (
    "numero_parcoursup;ine;nom;prenom;sexe;date_naissance;email;telephone;"
    "commune_naissance;pays_naissance;nationalite;adresse;code_postal;ville;pays;bac_annee;"
    "bac_serie;bac_mention;uai_lycee;code_formation_psup;code_situation;date_reponse;phase;"
    "boursier"
)


def csv_line(
    number,
    last_name="DURAND",
    first_name="Zoé",
    birth="01/02/2006",
    email="zoe.durand@example.org",
    offer="GEII-1",
    situation="1",
    **extra,
):
    values = {
        "numero_parcoursup": number,
        "ine": "",
        "nom": last_name,
        "prenom": first_name,
        "sexe": "F",
        "date_naissance": birth,
        "email": email,
        "telephone": "",
        "commune_naissance": "Chartres",
        "pays_naissance": "France",
        "nationalite": "FR",
        "adresse": "",
        "code_postal": "28000",
        "ville": "Chartres",
        "pays": "France",
        "bac_annee": "2024",
        "bac_serie": "Générale",
        "bac_mention": "",
        "uai_lycee": "0280007F",
        "code_formation_psup": offer,
        "code_situation": situation,
        "date_reponse": "10/07/2024",
        "phase": "principale",
        "boursier": "N",
        **extra,
    }
    return ";".join(values[name] for name in HEADER.split(";"))


# --- A local fake of Parcoursup's getCandidatsAdmis web service --------------------------------

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


class FakeParcoursup(FakeHandler):
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
        self.send(status, json.dumps(payload).encode())


@pytest.fixture
def fake_parcoursup():
    FakeParcoursup.requests = []
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), FakeParcoursup)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/ApiRest/"
