"""Where CVEC attestations are looked up: the CNOUS control API, or a local simulator.

`get_service()` returns the backend named by `settings.MATRICULE_CVEC_BACKEND`
("simulator" when unset, or "cnous"). Every backend answers `lookup(number, year)` with an
`Attestation`, or None when no attestation has that number, and raises `CvecUnavailable`
when it cannot answer now (the registration then goes on and the check is redone later).

The CNOUS "API contrôle CVEC" (published on api.gouv.fr, swagger `api-cvec-new.json`,
version 4.1.24, in the betagouv/api.gouv.fr repository) is
`GET <server>/api/attestation/{code}?etudiant=<first 5 letters of the student's name>`,
answering 200 with a `CertificateDto`:
`{nom, nomUsage, prenom, sexe, date_naissance, ine, crous, etat: {code, libelle},
exoneration: {active, motif}}`, 400 "attestation not found" and 404 "code missing".
An earlier version of the same swagger spells the birth date `dateNaissance` and puts the
five letters in the path; both spellings are read. The documented servers are one per
campaign (`cvec-ctrl.etudiant.gouv.fr`, `cve-<year>-controle-prod.nuonet.fr`): the answer
carries no academic year, the server answers for its own campaign.
"""

import datetime
import json
import logging
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from matricule.letters import LIGATURES
from matricule.net import tls_or_loopback

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "simulator"
DEFAULT_ENDPOINT = "https://cvec-ctrl.etudiant.gouv.fr"
DEFAULT_TIMEOUT = 10
# An attestation is a few hundred bytes; anything far larger is not an answer.
MAX_RESPONSE_BYTES = 64 * 1024

# `etat.code` values that the API's documentation lists as valid; "in any other state the
# attestation is to be considered not valid" (api.gouv.fr, API contrôle CVEC).
VALID_STATE_CODES = {
    "70": "Attestation valide",
    "71": "Attestation valide, boursier",
    "73": "Attestation valide, après exonération",
    "75": "Attestation valide, payé",
    "76": "Attestation valide, payé par un tiers",
    "98": "Attestation valide remboursée",
}
# Valid states that are themselves an exemption, whatever `exoneration.active` says.
EXEMPT_STATE_CODES = {"71", "73"}


class CvecUnavailable(Exception):
    """The verification service cannot answer now (network, timeout, server error, answer
    we cannot read). Not the student's fault: the check is to be done again later."""


class CvecAuthError(CvecUnavailable):
    """The service refused our credentials: a configuration problem for the IT staff,
    still not the student's fault."""


@dataclass(frozen=True)
class Attestation:
    """What the national service says about one attestation number."""

    number: str
    last_name: str
    first_names: str
    birth_date: datetime.date
    ine: str
    crous: str
    academic_year_code: str
    valid: bool
    exempt: bool
    exemption_reason: str = ""
    # Name of use (e.g. a married name), when the holder has one; holders may register
    # under either name.
    usage_name: str = ""
    # The service's own state code and label, kept for the staff.
    status_code: str = ""
    status_label: str = ""


class CvecService:
    """Base class of the backends. Subclasses set `name` and are registered with
    `@register`; `from_settings()` builds one from the project's settings."""

    name = ""

    @classmethod
    def from_settings(cls) -> "CvecService":
        return cls()

    def lookup(
        self, attestation_number: str, academic_year_code: str, *, last_name: str = ""
    ) -> Attestation | None:
        """The attestation with this number, or None when the service knows no such number.

        `last_name` is the student's name as they typed it: the CNOUS API asks for its first
        five letters; other backends ignore it. Raises CvecUnavailable when it cannot answer.
        """
        raise NotImplementedError


# What students paste around the number: spaces (also non-breaking), hyphens, dots, slashes.
_SEPARATORS = re.compile(r"[\s\-./_]+")


def normalize_number(value) -> str:
    """Upper case, without spaces or separators; full-width characters folded."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return _SEPARATORS.sub("", text).upper()


_BACKENDS: dict[str, type[CvecService]] = {}


def register(cls: type[CvecService]) -> type[CvecService]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name.")
    _BACKENDS[cls.name] = cls
    return cls


def backend_names() -> list[str]:
    return sorted(_BACKENDS)


def get_service(name: str | None = None) -> CvecService:
    """The backend named `name`, else the one of settings.MATRICULE_CVEC_BACKEND."""
    name = name or getattr(settings, "MATRICULE_CVEC_BACKEND", None) or DEFAULT_BACKEND
    try:
        backend = _BACKENDS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"MATRICULE_CVEC_BACKEND={name!r} is not a CVEC backend: expected one of "
            f"{', '.join(backend_names())}."
        ) from None
    return backend.from_settings()


# --- CNOUS control API ------------------------------------------------------------------------


def _checked_endpoint(endpoint: str) -> str:
    parts = urllib.parse.urlsplit(endpoint)
    # Students' identities travel in the answer: plain HTTP only to this machine (tests).
    if not tls_or_loopback(parts):
        raise ImproperlyConfigured(f"The CVEC control API must be reached over HTTPS, not {endpoint!r}.")
    if not parts.hostname:
        raise ImproperlyConfigured(f"The CVEC control API address {endpoint!r} has no host.")
    return endpoint.rstrip("/")


def name_letters(last_name: str) -> str:
    """The first five letters of a name, as the API's `etudiant` parameter wants them.

    UNCONFIRMED: the documentation only says "5 premières lettres du nom de l'étudiant";
    upper case without accents, spaces, hyphens or apostrophes is our reading.
    """
    decomposed = unicodedata.normalize("NFKD", (last_name or "").translate(LIGATURES))
    letters = "".join(c for c in decomposed if c.isascii() and c.isalpha())
    return letters.upper()[:5]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could send the key or the answer elsewhere (even over plain HTTP): refuse it,
    # which surfaces as an HTTPError with the 3xx status.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _parse_date(value) -> datetime.date | None:
    text = str(value or "").strip()
    # The documentation gives no format: ISO dates, ISO timestamps and French dates are read.
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        year, month, day = match.groups()
    else:
        match = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", text)
        if not match:
            return None
        day, month, year = match.groups()
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


@register
@dataclass
class CnousCvecService(CvecService):
    """Client of the CNOUS "API contrôle CVEC" (standard library only).

    Settings: MATRICULE_CVEC_API = {"endpoint": "https://…", "key": "…", "timeout": 10,
    "endpoints_by_year": {"2023-2024": "https://cve-2023-controle-prod.nuonet.fr"}}.
    The key is sent as `Authorization: Bearer <key>` (the first swagger declares a bearer
    scheme; how establishments obtain a key is UNCONFIRMED). A year without its own endpoint
    is asked to `endpoint`, assumed to serve the current campaign.
    """

    name = "cnous"

    endpoint: str = DEFAULT_ENDPOINT
    key: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT
    endpoints_by_year: dict = field(default_factory=dict)

    def __post_init__(self):
        self.endpoint = _checked_endpoint(self.endpoint)
        self.endpoints_by_year = {
            year: _checked_endpoint(url) for year, url in (self.endpoints_by_year or {}).items()
        }

    @classmethod
    def from_settings(cls) -> "CnousCvecService":
        config = getattr(settings, "MATRICULE_CVEC_API", None) or {}
        try:
            timeout = float(config.get("timeout") or DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            raise ImproperlyConfigured("MATRICULE_CVEC_API['timeout'] must be a number of seconds.") from None
        return cls(
            endpoint=config.get("endpoint") or DEFAULT_ENDPOINT,
            key=config.get("key") or "",
            timeout=timeout,
            endpoints_by_year=config.get("endpoints_by_year") or {},
        )

    def url_for(self, number: str, academic_year_code: str, last_name: str = "") -> str:
        base = self.endpoints_by_year.get(academic_year_code, self.endpoint)
        url = f"{base}/api/attestation/{urllib.parse.quote(number, safe='')}"
        letters = name_letters(last_name)
        if letters:
            url += "?" + urllib.parse.urlencode({"etudiant": letters})
        return url

    def lookup(
        self, attestation_number: str, academic_year_code: str, *, last_name: str = ""
    ) -> Attestation | None:
        number = normalize_number(attestation_number)
        if not number:
            return None
        status, payload = self._get(self.url_for(number, academic_year_code, last_name))
        if status == 200:
            return self._attestation(payload, number, academic_year_code)
        # 400 is the documented "not found"; 404 (documented as "code missing") is what a
        # path that matches nothing gives. Both only count as "unknown" when the API itself
        # answered in JSON: an HTML 404 is a wrong address, not an unknown attestation.
        if status in (400, 404) and payload is not None:
            return None
        raise CvecUnavailable(f"The CVEC control API answered HTTP {status}.")

    def _get(self, url: str) -> tuple[int, object]:
        """(HTTP status, decoded JSON or None when the body is not JSON)."""
        headers = {"Accept": "application/json", "User-Agent": "Matricule"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 (scheme checked)
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:
            status = error.code
            try:
                raw = error.read(MAX_RESPONSE_BYTES + 1)
            except OSError:
                raw = b""
            finally:
                error.close()
            if status in (401, 403):
                logger.error("The CVEC control API refused our credentials (HTTP %s).", status)
                raise CvecAuthError(
                    f"The CVEC control API refused the credentials (HTTP {status})."
                ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            logger.warning("The CVEC control API cannot be reached: %s", error)
            raise CvecUnavailable(f"The CVEC control API cannot be reached: {error}") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise CvecUnavailable("The CVEC control API's answer is too large.")
        if status >= 500:
            logger.warning("The CVEC control API answered HTTP %s.", status)
            raise CvecUnavailable(f"The CVEC control API answered HTTP {status}.")
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return status, payload

    def _attestation(self, payload, number: str, academic_year_code: str) -> Attestation:
        if not isinstance(payload, dict):
            raise CvecUnavailable("The CVEC control API's answer is not an attestation.")
        state = payload.get("etat") if isinstance(payload.get("etat"), dict) else {}
        exemption = payload.get("exoneration") if isinstance(payload.get("exoneration"), dict) else {}
        status_code = _text(state.get("code"))
        birth_date = _parse_date(payload.get("date_naissance") or payload.get("dateNaissance"))
        last_name = _text(payload.get("nom"))
        # Without these we cannot tell whose or whether valid: check again later rather
        # than refuse the student on an answer we could not read.
        if not status_code or birth_date is None or not last_name:
            raise CvecUnavailable("The CVEC control API's answer lacks the state, name or birth date.")
        valid = status_code in VALID_STATE_CODES
        exempt = exemption.get("active") is True or status_code in EXEMPT_STATE_CODES
        reason = _text(exemption.get("motif")) or (_text(state.get("libelle")) if exempt else "")
        return Attestation(
            number=number,
            last_name=last_name,
            usage_name=_text(payload.get("nomUsage")),
            first_names=_text(payload.get("prenom")),
            birth_date=birth_date,
            ine=_text(payload.get("ine")).upper(),
            crous=_text(payload.get("crous")),
            # The server answers for one campaign: the one we asked it about.
            academic_year_code=academic_year_code,
            valid=valid,
            exempt=exempt,
            exemption_reason=reason,
            status_code=status_code,
            status_label=_text(state.get("libelle")),
        )
