"""The CNOUS "API contrôle CVEC" client against a local fake speaking its documented shape:
GET /api/attestation/{code}?etudiant=<5 letters>, 200 CertificateDto, 400 not found."""

import datetime
import json
import threading
import urllib.parse
from http.server import ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from matricule.cvec.checks import verify_for_student
from matricule.cvec.service import (
    Attestation,
    CnousCvecService,
    CvecAuthError,
    CvecUnavailable,
    get_service,
    name_letters,
)
from tests.loopback import FakeHandler, serving

KEY = "test-key"
YEAR = "2024-2025"

RECORDS = {
    "ORL400000001": {
        "nom": "LEFÈVRE",
        "nomUsage": "",
        "prenom": "Chloé",
        "sexe": "F",
        "date_naissance": "2006-03-14",
        "ine": "0494004062m",
        "crous": "Crous Orléans-Tours",
        "etat": {"code": "75", "libelle": "Attestation valide, payé"},
        "exoneration": {"active": False, "motif": None},
    },
    # The earlier spelling of the birth date, a French date, and an exemption.
    "ORL400000002": {
        "nom": "DIALLO",
        "prenom": "Moussa",
        "sexe": "M",
        "dateNaissance": "30/11/2005",
        "ine": "",
        "crous": "Crous Orléans-Tours",
        "etat": {"code": 73, "libelle": "Attestation valide, après exonération"},
        "exoneration": {"active": True, "motif": "Boursier sur critères sociaux"},
    },
    "ORL400000003": {
        "nom": "MARTIN",
        "prenom": "Léa",
        "date_naissance": "2006-05-02T00:00:00",
        "crous": "Crous Orléans-Tours",
        "etat": {"code": "50", "libelle": "Attestation annulée"},
        "exoneration": {"active": False},
    },
    # A grant holder whose exemption is told by the state only.
    "ORL400000004": {
        "nom": "NGUYEN",
        "prenom": "Thanh",
        "date_naissance": "2006-01-20",
        "crous": "Crous Orléans-Tours",
        "etat": {"code": "71", "libelle": "Attestation valide, boursier"},
    },
    # An answer we cannot read: no birth date.
    "ORL400000005": {"nom": "X", "prenom": "Y", "etat": {"code": "70"}},
}


class FakeCnous(FakeHandler):
    requests: list = []
    # Set when the test ends: until then the slow attestation gets no answer at all, so the
    # client's timeout is the only way out, however slowly the machine runs.
    released = threading.Event()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlsplit(self.path)
        self.requests.append((url.path, urllib.parse.parse_qs(url.query), self.headers.get("Authorization")))
        code = url.path.rsplit("/", 1)[-1]
        if not url.path.startswith(("/api/attestation/", "/y2023/api/attestation/")):
            self.answer(404, b"<html>Not Found</html>", "text/html")
        elif self.headers.get("Authorization") != f"Bearer {KEY}":
            self.answer(401, {"code": "401", "message": "Unauthorized"})
        elif code == "ORL400000500":
            self.answer(500, {"code": "500", "message": "Erreur interne"})
        elif code == "ORL400000404":
            self.answer(404, {"code": "404", "message": "Le paramètre code est manquant."})
        elif code == "ORL400000302":
            self.send_response(302)
            self.send_header("Location", "http://example.invalid/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif code == "ORL400000999":
            self.released.wait(30)  # never answers while the test runs
        elif code == "ORL400000998":
            self.answer(200, b"not json", "text/plain")
        elif code in RECORDS:
            self.answer(200, RECORDS[code])
        else:
            self.answer(400, {"code": "400", "message": "L'attestation n'a pas été trouvée."})

    def answer(self, status, payload, content_type="application/json"):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send(status, data, content_type)


@pytest.fixture
def fake_cnous():
    FakeCnous.requests = []
    FakeCnous.released.clear()
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), FakeCnous)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"
        FakeCnous.released.set()


def client(endpoint, **overrides):
    return CnousCvecService(**{"endpoint": endpoint, "key": KEY, "timeout": 5, **overrides})


def test_a_found_attestation(fake_cnous):
    found = client(fake_cnous).lookup("orl4 0000 0001", YEAR, last_name="Lefèvre")

    assert found == Attestation(
        number="ORL400000001",
        last_name="LEFÈVRE",
        first_names="Chloé",
        birth_date=datetime.date(2006, 3, 14),
        ine="0494004062M",
        crous="Crous Orléans-Tours",
        academic_year_code=YEAR,
        valid=True,
        exempt=False,
        exemption_reason="",
        status_code="75",
        status_label="Attestation valide, payé",
    )
    path, query, authorization = FakeCnous.requests[0]
    assert path == "/api/attestation/ORL400000001"
    assert query == {"etudiant": ["LEFEV"]}
    assert authorization == f"Bearer {KEY}"


def test_exemptions_and_other_date_spellings(fake_cnous):
    service = client(fake_cnous)
    diallo = service.lookup("ORL400000002", YEAR, last_name="Diallo")
    assert (diallo.birth_date, diallo.valid, diallo.exempt) == (datetime.date(2005, 11, 30), True, True)
    assert (diallo.exemption_reason, diallo.status_code) == ("Boursier sur critères sociaux", "73")

    nguyen = service.lookup("ORL400000004", YEAR)
    assert (nguyen.valid, nguyen.exempt, nguyen.exemption_reason) == (
        True,
        True,
        "Attestation valide, boursier",
    )
    assert FakeCnous.requests[-1][1] == {}  # no name, no `etudiant` parameter


def test_a_state_outside_the_documented_valid_ones_is_invalid(fake_cnous):
    martin = client(fake_cnous).lookup("ORL400000003", YEAR, last_name="Martin")
    assert (martin.valid, martin.status_code, martin.birth_date) == (False, "50", datetime.date(2006, 5, 2))


def test_an_unknown_number_is_none(fake_cnous):
    assert client(fake_cnous).lookup("ORL412345678", YEAR, last_name="Lefèvre") is None


def test_a_json_404_is_an_unknown_number(fake_cnous):
    assert client(fake_cnous).lookup("ORL400000404", YEAR) is None


def test_an_html_404_is_a_wrong_address_not_an_unknown_number(fake_cnous):
    with pytest.raises(CvecUnavailable, match="HTTP 404"):
        client(f"{fake_cnous}/wrong").lookup("ORL400000001", YEAR)


def test_a_refused_key_is_an_auth_error(fake_cnous):
    with pytest.raises(CvecAuthError, match="401"):
        client(fake_cnous, key="wrong").lookup("ORL400000001", YEAR)
    # Still "unavailable" for the student: our configuration is not their fault.
    assert issubclass(CvecAuthError, CvecUnavailable)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("ORL400000500", "HTTP 500"),
        ("ORL400000302", "HTTP 302"),
        ("ORL400000998", "not an attestation"),
        ("ORL400000005", "lacks"),
    ],
)
def test_server_errors_redirects_and_unreadable_answers_are_unavailable(fake_cnous, number, words):
    with pytest.raises(CvecUnavailable, match=words):
        client(fake_cnous).lookup(number, YEAR)


def test_a_slow_service_times_out(fake_cnous):
    with pytest.raises(CvecUnavailable, match="cannot be reached.*timed out"):
        client(fake_cnous, timeout=0.2).lookup("ORL400000999", YEAR)


def test_a_closed_port_is_unavailable():
    with pytest.raises(CvecUnavailable, match="cannot be reached"):
        client("http://127.0.0.1:9", timeout=2).lookup("ORL400000001", YEAR)


def test_a_year_with_its_own_endpoint_is_asked_there(fake_cnous):
    service = client(fake_cnous, endpoints_by_year={"2023-2024": f"{fake_cnous}/y2023/"})
    found = service.lookup("ORL400000001", "2023-2024")
    assert FakeCnous.requests[-1][0] == "/y2023/api/attestation/ORL400000001"
    assert found.academic_year_code == "2023-2024"
    service.lookup("ORL400000001", YEAR)
    assert FakeCnous.requests[-1][0] == "/api/attestation/ORL400000001"


def test_verify_for_student_through_the_cnous_client(fake_cnous):
    student = {
        "last_name": "Lefevre",
        "first_names": "Chloe",
        "birth_date": datetime.date(2006, 3, 14),
        "ine": "0494004062M",
        "academic_year_code": YEAR,
    }
    assert verify_for_student("ORL4 00000001", service=client(fake_cnous), **student).ok
    down = verify_for_student("ORL4 00000500", service=client(fake_cnous), **student)
    assert (down.code, down.provisional, down.may_continue) == ("unavailable", True, True)
    refused = verify_for_student("ORL4 00000001", service=client(fake_cnous, key="wrong"), **student)
    assert (refused.code, refused.provisional) == ("unavailable", True)
    assert verify_for_student("ORL4 12345678", service=client(fake_cnous), **student).code == "unknown"


@pytest.mark.parametrize(
    "endpoint", ["http://cvec-ctrl.etudiant.gouv.fr", "http://10.0.0.1:8000", "ftp://127.0.0.1", "https://"]
)
def test_plain_http_is_refused_except_to_this_machine(endpoint):
    with pytest.raises(ImproperlyConfigured):
        CnousCvecService(endpoint=endpoint)
    with pytest.raises(ImproperlyConfigured):
        CnousCvecService(endpoints_by_year={"2023-2024": endpoint})


@pytest.mark.parametrize(
    "endpoint",
    ["https://cvec-ctrl.etudiant.gouv.fr/", "http://127.0.0.1:8080", "http://localhost", "http://[::1]:8000"],
)
def test_https_and_loopback_are_accepted(endpoint):
    assert CnousCvecService(endpoint=endpoint).endpoint == endpoint.rstrip("/")


def test_name_letters():
    assert name_letters("Lefèvre") == "LEFEV"
    assert name_letters("d'Arc") == "DARC"
    assert name_letters("Le Gall-Ñúñez") == "LEGAL"
    assert name_letters("Lœvenbruck") == "LOEVE"
    assert name_letters("") == ""


def test_get_service_follows_the_setting(settings):
    settings.MATRICULE_CVEC_BACKEND = "cnous"
    settings.MATRICULE_CVEC_API = {
        "endpoint": "https://cvec.example.org/",
        "key": "s3cret-k3y",
        "timeout": "3",
    }
    service = get_service()
    assert isinstance(service, CnousCvecService)
    assert (service.endpoint, service.key, service.timeout) == ("https://cvec.example.org", "s3cret-k3y", 3.0)
    assert "s3cret-k3y" not in repr(service)  # the key stays out of logs and tracebacks


def test_get_service_cnous_defaults_to_the_documented_server(settings):
    settings.MATRICULE_CVEC_BACKEND = "cnous"
    del settings.MATRICULE_CVEC_API
    assert get_service().endpoint == "https://cvec-ctrl.etudiant.gouv.fr"


def test_get_service_defaults_to_the_simulator(settings):
    from matricule.cvec.simulator import SimulatorCvecService

    del settings.MATRICULE_CVEC_BACKEND
    assert isinstance(get_service(), SimulatorCvecService)


@pytest.mark.parametrize(
    ("backend", "api"),
    [("paper", {}), ("cnous", {"timeout": "soon"}), ("cnous", {"endpoint": "http://cvec.example.org"})],
)
def test_a_bad_configuration_fails_loudly(settings, backend, api):
    settings.MATRICULE_CVEC_BACKEND = backend
    settings.MATRICULE_CVEC_API = api
    with pytest.raises(ImproperlyConfigured):
        get_service()
