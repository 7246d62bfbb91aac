"""PayFiP (DGFiP, successor of TIPI): create the payment on the SOAP web service, send the browser to
PayFiP with the operation id, and learn the result by asking the web service.

Followed:
- ../shared/reference/french-registration-systems.md §6 "PayFiP / Tipi" (from eopayment 3.15
  ``payfip_ws.py`` and dafap/SchoolBusManager): creerPaiementSecurise(numcli, exer, refdet,
  montant, mel, objet, saisie, urlnotif, urlredirect) -> idOp, valid 15 minutes; redirect to
  ``https://www.payfip.gouv.fr/tpa/paiementws.web?idop=``; on the notification, which carries only
  the idOp, recupererDetailPaiementSecurise(idOp) -> resultrans P/V paid, R/Z refused, A abandoned;
- the service contract as published by the DGFiP and copied by eopayment
  (``resource/PaiementSecuriseService.wsdl`` and its three XSDs): document/literal SOAP 1.1,
  endpoint ``https://www.payfip.gouv.fr/tpa/services/securite``, soapAction "", operation elements
  in the service namespace wrapping an unqualified ``arg0`` whose children come in schema order,
  answers wrapping an unqualified ``return``; functional faults carry ``FonctionnelleErreur/code``;
- eopayment's reading of those codes: P1 = idOp unknown (never existed, or purged the night after
  an unpaid attempt), P5 = payment not finished yet.

There is no signature: a notification is only a hint, and what we report comes from our own call to
the web service, checked to be for our client number and our mode (a payment made in test mode on
our client number costs nothing and must never count in production).

Why not eopayment/zeep: zeep, requests and their dependencies are not in the project for three
elements per call; a plain SOAP envelope over urllib is enough and is tested against a local fake.
"""

import datetime
import re
import unicodedata
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - parses only the configured PayFiP endpoint's answers
from urllib.parse import parse_qsl, quote, urlsplit

from .base import (
    BrowserAction,
    Gateway,
    GatewayError,
    InvalidNotification,
    Outcome,
    PaymentRequest,
    VerifiedOutcome,
)

ENDPOINT = "https://www.payfip.gouv.fr/tpa/services/securite"
PAYMENT_URL = "https://www.payfip.gouv.fr/tpa/paiementws.web"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
MAX_ANSWER = 1_000_000  # bytes: a PayFiP answer is a few hundred

RESULTS = {
    "P": Outcome.CONFIRMED,  # paid by card
    "V": Outcome.CONFIRMED,  # paid by direct debit
    "R": Outcome.FAILED,  # card refused
    "Z": Outcome.FAILED,  # direct debit refused
    "A": Outcome.CANCELLED,  # abandoned by the user
}

REFDET = re.compile(r"[A-Za-z0-9]{1,30}")
IDOP = re.compile(r"[A-Za-z0-9-]{1,64}")


class PayFiPFault(GatewayError):
    """A SOAP fault from PayFiP; `code` is FonctionnelleErreur's code (P1, P5…) when there is one."""

    def __init__(self, code: str, message: str):
        super().__init__(f"PayFiP {code}: {message}")
        self.code = code


def normalize_objet(label: str) -> str:
    """The `objet` alphabet is [A-Za-z0-9 ], at most 100 characters (as eopayment does)."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    text = re.sub(r"['\-]", " ", text)
    text = re.sub(r"[^A-Za-z0-9 ]", "", text)
    return re.sub(r"\s+", " ", text).strip()[:100]


def envelope(operation: str, fields: list[tuple[str, str]]) -> bytes:
    root = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(root, f"{{{SOAP_ENV}}}Body")
    call = ET.SubElement(ET.SubElement(body, f"{{{SERVICE_NS}}}{operation}"), "arg0")
    for name, value in fields:
        ET.SubElement(call, name).text = value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_answer(content: bytes) -> dict[str, str]:
    """The children of `return` as a dict; raise PayFiPFault on a SOAP fault."""
    try:
        root = ET.fromstring(content)  # noqa: S314 - expat does not resolve external entities
    except ET.ParseError as error:
        raise GatewayError(f"PayFiP: answer is not XML ({error})") from error
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise GatewayError("PayFiP: answer without SOAP body")
    fault = body.find(f"{{{SOAP_ENV}}}Fault")
    if fault is not None:
        code = next((el.text or "" for el in fault.iter() if _local(el.tag) == "code"), "") or "fault"
        texts = {_local(el.tag): el.text.strip() for el in fault.iter() if el.text and el.text.strip()}
        message = texts.get("descriptif") or texts.get("libelle") or texts.get("faultstring", "")
        raise PayFiPFault(code.strip(), message)
    result = next((el for el in body.iter() if _local(el.tag) == "return"), None)
    if result is None:
        raise GatewayError("PayFiP: answer without return element")
    return {_local(child.tag): (child.text or "").strip() for child in result}


class PayFiPGateway(Gateway):
    """Options: numcli (6 digits from the DGFiP), saisie (T test, X activation, W production; default
    T), endpoint (SOAP service; default PayFiP's), payment_url (default PayFiP's), timeout (s), exer
    (budget year; default the year the attempt was created)."""

    code = "payfip"
    supports_lookup = True

    def __init__(self, options: dict):
        super().__init__(options)
        self.numcli = str(options.get("numcli") or "").strip()
        if not re.fullmatch(r"\d{6}", self.numcli):
            raise GatewayError("PayFiP option 'numcli' must be the 6-digit client number")
        self.saisie = str(options.get("saisie") or "T").strip()
        if self.saisie not in ("T", "X", "W"):
            raise GatewayError("PayFiP option 'saisie' must be T, X or W")
        self.endpoint = options.get("endpoint") or ENDPOINT
        self.payment_url = options.get("payment_url") or PAYMENT_URL
        for url in (self.endpoint, self.payment_url):
            if urlsplit(url).scheme not in ("https", "http"):
                raise GatewayError(f"PayFiP: not an HTTP URL: {url}")
        self.timeout = float(options.get("timeout") or 15)

    # --- web service -----------------------------------------------------------------------------

    def _call(self, operation: str, fields: list[tuple[str, str]]) -> dict[str, str]:
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.endpoint,
            data=envelope(operation, fields),
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                content = answer.read(MAX_ANSWER)
        except urllib.error.HTTPError as error:
            # SOAP 1.1 delivers its faults with status 500: read them.
            content = error.read(MAX_ANSWER)
            if not content:
                raise GatewayError(f"PayFiP: HTTP {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise GatewayError(f"PayFiP unreachable: {error}") from error
        return parse_answer(content)

    def create(self, request: PaymentRequest) -> str:
        """creerPaiementSecurise: the idOp of a new operation."""
        if request.currency != "EUR":
            raise GatewayError("PayFiP takes euros only")
        if not 100 <= request.amount_cents <= 10_000_000:  # eopayment: 1 € to 100 000 €
            raise GatewayError("PayFiP: amount out of range")
        if not REFDET.fullmatch(request.reference):
            raise GatewayError("PayFiP: refdet must be 1 to 30 letters or digits")
        if "@" not in request.email or not 6 <= len(request.email) <= 80:
            raise GatewayError("PayFiP: e-mail must have 6 to 80 characters")
        when = request.created_at or datetime.datetime.now(datetime.UTC)
        fields = [
            ("exer", str(self.options.get("exer") or when.year)),
            ("mel", request.email),
            ("montant", str(request.amount_cents)),
            ("numcli", self.numcli),
            ("objet", normalize_objet(request.label)),
            ("refdet", request.reference),
            ("saisie", self.saisie),
            ("urlnotif", request.notify_url),
            ("urlredirect", request.return_url),
        ]
        idop = self._call("creerPaiementSecurise", [(k, v) for k, v in fields if v]).get("idOp", "")
        if not IDOP.fullmatch(idop):
            raise GatewayError("PayFiP: no usable idOp in the answer")
        return idop

    def detail(self, idop: str) -> dict[str, str]:
        """recupererDetailPaiementSecurise."""
        return self._call("recupererDetailPaiementSecurise", [("idOp", idop)])

    # --- Gateway ---------------------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> BrowserAction:
        # The idOp is also the transaction id needed by lookup(): callers can read it back with
        # idop_from_url(action.url).
        return BrowserAction(url=f"{self.payment_url}?idop={quote(self.create(request), safe='')}")

    def verify_notification(
        self, method: str, query: str, body: bytes, content_type: str = ""
    ) -> VerifiedOutcome:
        idop = self._idop_from(query, body)
        try:
            detail = self.detail(idop)
        except PayFiPFault as fault:
            if fault.code == "P1":
                raise InvalidNotification("PayFiP: unknown idOp") from fault
            raise  # P5 (not finished) or a service failure: let the caller answer "retry"
        self._check_ours(detail, InvalidNotification)
        return self._outcome(detail, idop, detail.get("refdet", ""))

    def lookup(self, reference: str, *, transaction_id: str = "") -> VerifiedOutcome:
        if not IDOP.fullmatch(transaction_id or ""):
            raise GatewayError("PayFiP can only look a payment up by its idOp")
        try:
            detail = self.detail(transaction_id)
        except PayFiPFault as fault:
            if fault.code in ("P1", "P5"):
                # P5: still on PayFiP's page; P1: purged, so never paid.
                outcome = Outcome.PENDING if fault.code == "P5" else Outcome.CANCELLED
                return VerifiedOutcome(
                    reference=reference,
                    outcome=outcome,
                    amount_cents=None,
                    currency=None,
                    transaction_id=transaction_id,
                    raw={"idOp": transaction_id, "fault": fault.code},
                )
            raise
        self._check_ours(detail, GatewayError)
        if detail.get("refdet") != reference:
            raise GatewayError("PayFiP: this idOp belongs to another payment")
        return self._outcome(detail, transaction_id, reference)

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _idop_from(query: str, body: bytes) -> str:
        try:
            pairs = parse_qsl(query, keep_blank_values=True) + parse_qsl(
                body.decode("utf-8"), keep_blank_values=True
            )
        except (UnicodeDecodeError, ValueError) as error:
            raise InvalidNotification("PayFiP: unreadable notification") from error
        values = {value for name, value in pairs if name.lower() == "idop"}
        if len(values) != 1:
            raise InvalidNotification("PayFiP: notification without a single idOp")
        idop = values.pop()
        if not IDOP.fullmatch(idop):
            raise InvalidNotification("PayFiP: malformed idOp")
        return idop

    def _check_ours(self, detail: dict[str, str], error: type[Exception]) -> None:
        if detail.get("numcli") != self.numcli:
            raise error("PayFiP: payment made for another client number")
        if detail.get("saisie") != self.saisie:
            raise error(f"PayFiP: payment made in mode {detail.get('saisie')!r}, we are {self.saisie!r}")

    @staticmethod
    def _outcome(detail: dict[str, str], idop: str, reference: str) -> VerifiedOutcome:
        if not reference:
            raise GatewayError("PayFiP: answer without refdet")
        montant = detail.get("montant", "")
        return VerifiedOutcome(
            reference=reference,
            outcome=RESULTS.get(detail.get("resultrans", ""), Outcome.PENDING),
            # None when PayFiP gives no (readable) amount: a payment then goes to review, never
            # confirmed (services._anomaly).
            amount_cents=int(montant) if montant.isascii() and montant.isdigit() else None,
            currency="EUR",  # PayFiP collects euros only
            transaction_id=idop,
            raw={**detail, "idOp": idop},
        )


def idop_from_url(url: str) -> str:
    """The idOp in the payment URL that start() returned."""
    values = [value for name, value in parse_qsl(urlsplit(url).query) if name == "idop"]
    return values[0] if values else ""
