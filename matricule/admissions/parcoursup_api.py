"""Client for Parcoursup's REST web service `getCandidatsAdmis`, feeding the CSV import.

The service takes a JSON POST to `<endpoint>getCandidatsAdmis` holding the establishment's
credentials (`identifiant: {login, pwd}`) and its code, and answers a JSON list of admitted
candidates, or `{"retour": "NOK", "message": …}` on failure (shape as used by the
open-source pykol/scripsup client; field names are matched case-insensitively because
Parcoursup's spelling varies, e.g. `codePostal` / `codepostale`).

Each record is converted to a row of the CSV format and goes through the same checks and
writes as a file (`importer.import_rows`). Standard library only: no HTTP client is a
dependency of the project.
"""

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from matricule.net import tls_or_loopback

from .importer import import_rows
from .models import ImportRun

DEFAULT_ENDPOINT = "https://ws.parcoursup.fr/ApiRest/"
# An establishment's whole list is a few megabytes; anything far larger is not an answer.
MAX_RESPONSE_BYTES = 200 * 1024 * 1024


class ParcoursupError(Exception):
    """The web service could not be used (network, HTTP error, refusal, bad answer)."""


class ParcoursupAuthError(ParcoursupError):
    """The web service refused the establishment's credentials."""


@dataclass
class ParcoursupClient:
    login: str
    password: str
    establishment_code: str
    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = 60

    def __post_init__(self):
        parts = urllib.parse.urlsplit(self.endpoint)
        # The credentials travel in the body: plain HTTP only to this machine (tests, tunnels).
        if not tls_or_loopback(parts):
            raise ImproperlyConfigured("The Parcoursup web service must be reached over HTTPS.")
        if not self.endpoint.endswith("/"):
            self.endpoint += "/"

    def call(self, method: str, data: dict) -> tuple[object, bytes]:
        """POST `data` plus the credentials to `method`; returns (decoded JSON, raw body)."""
        body = json.dumps({**data, "identifiant": {"login": self.login, "pwd": self.password}})
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __post_init__)
            self.endpoint + method,
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:
            detail = _message(error.read(65536))
            if error.code in (401, 403):
                raise ParcoursupAuthError(
                    f"Parcoursup refused the credentials (HTTP {error.code}){detail}"
                ) from None
            raise ParcoursupError(f"Parcoursup answered HTTP {error.code}{detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ParcoursupError(f"Parcoursup cannot be reached: {error}") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise ParcoursupError("Parcoursup's answer is too large.")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise ParcoursupError("Parcoursup's answer is not JSON.") from None
        if isinstance(payload, dict) and str(payload.get("retour", "")).upper() == "NOK":
            raise ParcoursupError(f"Parcoursup refused the request: {payload.get('message') or 'no message'}")
        return payload, raw

    def admitted_candidates(
        self, *, offer_code: str | None = None, candidate_code: str | None = None
    ) -> tuple[list, bytes]:
        """The admitted candidates of the establishment (optionally one offer or one
        candidate), as (records, raw body)."""
        data = {"codeEtablissement": str(self.establishment_code)}
        if offer_code:
            data["codeFormationpsup"] = offer_code
        if candidate_code:
            data["codeCandidat"] = candidate_code
        payload, raw = self.call("getCandidatsAdmis", data)
        if not isinstance(payload, list):
            raise ParcoursupError("Parcoursup's answer is not a list of candidates.")
        return payload, raw


def client_from_settings() -> ParcoursupClient:
    """A client configured by settings.PARCOURSUP_API (login, password, establishment code,
    optional endpoint)."""
    config = getattr(settings, "PARCOURSUP_API", None) or {}
    missing = [key for key in ("login", "password", "establishment_code") if not config.get(key)]
    if missing:
        raise ImproperlyConfigured(
            f"The Parcoursup web service is not configured: PARCOURSUP_API lacks {', '.join(missing)}."
        )
    return ParcoursupClient(
        login=config["login"],
        password=config["password"],
        establishment_code=config["establishment_code"],
        endpoint=config.get("endpoint") or DEFAULT_ENDPOINT,
    )


def _message(raw: bytes) -> str:
    try:
        payload = json.loads(raw)
    except ValueError:
        return ""
    if isinstance(payload, dict) and payload.get("message"):
        return f": {payload['message']}"
    return ""


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _first(record: dict, *keys: str) -> str:
    for key in keys:
        value = _text(record.get(key.lower()))
        if value:
            return value
    return ""


def record_to_row(record: dict) -> dict:
    """One `getCandidatsAdmis` record as a row of the CSV format (column → text)."""
    record = {str(key).lower(): value for key, value in record.items()}
    address = ", ".join(part for part in (_first(record, f"adresse{n}") for n in (1, 2, 3)) if part)
    return {
        "numero_parcoursup": _first(record, "codeCandidat"),
        "ine": _first(record, "ine"),
        "nom": _first(record, "nom"),
        "prenom": _first(record, "prenom"),
        "sexe": _first(record, "sexe"),
        "date_naissance": _first(record, "dateNaissance"),
        "email": _first(record, "mail", "email"),
        "telephone": _first(record, "telMobile", "telFixe"),
        "commune_naissance": _first(record, "libelleCommuneNaissance", "codeCommuneNaissance"),
        "pays_naissance": _first(record, "libellePaysNaissance", "codePaysNaissance"),
        "nationalite": _first(record, "libellePaysNationalite", "codePaysNationalite"),
        "adresse": address,
        "code_postal": _first(record, "codePostal", "codePostale"),
        "ville": _first(record, "libelleCommune", "codeCommune"),
        "pays": _first(record, "libellePaysAdresse", "codePaysAdresse"),
        "bac_annee": _first(record, "anneeBac"),
        "bac_serie": _first(record, "serieBac"),
        "bac_mention": _first(record, "mentionBac"),
        "uai_lycee": _first(record, "codeEtablissementSco"),
        "code_formation_psup": _first(record, "codeFormationPsup"),
        "code_situation": _first(record, "codeSituation"),
        "date_reponse": _first(record, "dateReponse"),
        # Not among the documented fields; taken when the service sends them.
        "phase": _first(record, "phase"),
        "boursier": _first(record, "boursier"),
    }


def _rows(records: list) -> Iterator[tuple[int, object]]:
    # Records are numbered from 1 in the order of the answer.
    for position, record in enumerate(records, start=1):
        yield position, (record_to_row(record) if isinstance(record, dict) else None)


def import_from_api(
    client: ParcoursupClient, *, academic_year, user=None, offer_code: str | None = None
) -> ImportRun:
    """Fetch the admitted candidates and import them like a file. Raises ParcoursupError
    (nothing is recorded) when the service cannot be used."""
    records, raw = client.admitted_candidates(offer_code=offer_code)
    return import_rows(
        _rows(records),
        academic_year=academic_year,
        user=user,
        source=ImportRun.Source.API,
        file_name=f"getCandidatsAdmis {client.establishment_code}",
        checksum=hashlib.sha256(raw).hexdigest(),
    )
