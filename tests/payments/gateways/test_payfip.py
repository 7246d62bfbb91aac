"""PayFiP adapter against a small fake of the DGFiP web service (http.server on 127.0.0.1) that
checks the request shape of the WSDL and answers with the documented shapes (data/payfip_*.xml)."""

import dataclasses
import datetime
import http.server
import pathlib
import socket
import string
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own requests in the test
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import pytest

from matricule.payments.gateways import payfip
from matricule.payments.gateways.base import GatewayError, InvalidNotification, Outcome
from matricule.payments.gateways.payfip import PayFiPFault, PayFiPGateway, idop_from_url
from tests.loopback import FakeHandler, serving
from tests.payments.orders import payment_request

DATA = pathlib.Path(__file__).parent / "data"
TEMPLATES = {
    name: string.Template((DATA / f"payfip_{name}.xml").read_text()) for name in ("creer", "detail", "fault")
}
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CREATE_ORDER = ["exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif", "urlredirect"]

REQUEST = payment_request(
    label="Droits d'inscription 2024-2025 (BUT1)",
    notify_url="https://matricule.example/p/notify/payfip/",
    created_at=datetime.datetime(2024, 7, 8, 12, 30, tzinfo=datetime.UTC),
)


class FakePayFiP(http.server.HTTPServer):
    """Operations by idOp; resultrans None means "still on the payment page" (fault P5), montant None
    an answer without that element."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.operations: dict[str, dict] = {}
        self.requests: list[tuple[str, list[tuple[str, str]], object]] = []
        self.garbage = False

    def pay(self, idop, resultrans, **changes):
        self.operations[idop].update(resultrans=resultrans, **changes)


class Handler(FakeHandler):
    server: FakePayFiP
    content_type = "text/xml; charset=utf-8"

    def do_POST(self):
        content = self.rfile.read(int(self.headers["Content-Length"]))
        root = ET.fromstring(content)  # noqa: S314
        assert root.tag == f"{{{SOAP_ENV}}}Envelope"
        (call,) = list(root.find(f"{{{SOAP_ENV}}}Body"))
        namespace, operation = call.tag[1:].split("}")
        assert namespace == payfip.SERVICE_NS
        (arg0,) = list(call)
        assert arg0.tag == "arg0"  # unqualified, as the schema (no elementFormDefault) wants
        fields = [(child.tag, child.text or "") for child in arg0]
        self.server.requests.append((operation, fields, self.headers))
        if self.server.garbage:
            return self.answer(200, b"<html>maintenance</html>")
        values = dict(fields)
        if operation == "creerPaiementSecurise":
            idop = f"b5e1f1c2-7a43-4f6e-9d1c-{len(self.server.operations) + 1:012d}"
            self.server.operations[idop] = {**values, "resultrans": None}
            return self.answer(200, TEMPLATES["creer"].substitute(idOp=idop))
        idop = values["idOp"]
        operation_data = self.server.operations.get(idop)
        if operation_data is None:
            return self.fault("P1", "IdOp incorrect.")
        if operation_data["resultrans"] is None:
            return self.fault("P5", "Résultat de la transaction non connu.")
        paid = operation_data["resultrans"] in ("P", "V")
        detail = {
            "dattrans": "08072024",
            "heurtrans": "1234",
            "idOp": idop,
            "numauto": "112233" if paid else "",
            **{
                k: operation_data.get(k, "")
                for k in ("exer", "mel", "montant", "numcli", "objet", "refdet", "resultrans", "saisie")
            },
        }
        template = TEMPLATES["detail"]
        if detail["montant"] is None:
            template = string.Template(template.template.replace("<montant>$montant</montant>", ""))
            del detail["montant"]
        return self.answer(200, template.substitute({k: escape(v) for k, v in detail.items()}))

    def fault(self, code, text):
        self.answer(500, TEMPLATES["fault"].substitute(code=code, descriptif=escape(text)))

    def answer(self, status, text):
        self.send(status, text.encode() if isinstance(text, str) else text)


@pytest.fixture
def server(monkeypatch):
    with serving(FakePayFiP(), monkeypatch) as server:
        yield server


@pytest.fixture
def gateway(server):
    return PayFiPGateway(
        {
            "numcli": "123456",
            "saisie": "W",
            "timeout": 5,
            "endpoint": f"http://127.0.0.1:{server.server_port}/tpa/services/securite",
        }
    )


def notify(gateway, idop):
    # PayFiP posts the operation id as a form to urlnotif.
    return gateway.verify_notification(
        "POST", "", urlencode({"idOp": idop}).encode(), "application/x-www-form-urlencoded"
    )


# --- creating the payment ---------------------------------------------------------------------------


def test_start_creates_the_operation_and_redirects_to_payfip(gateway, server):
    action = gateway.start(REQUEST)
    ((operation, fields, headers),) = server.requests
    assert operation == "creerPaiementSecurise"
    assert [name for name, _ in fields] == CREATE_ORDER  # the schema's sequence order
    assert dict(fields) == {
        "exer": "2024",
        "mel": "chloe@example.org",
        "montant": "17500",
        "numcli": "123456",
        "objet": "Droits d inscription 2024 2025 BUT1",
        "refdet": "MAT0123456789ABCDEF",
        "saisie": "W",
        "urlnotif": "https://matricule.example/p/notify/payfip/",
        "urlredirect": "https://matricule.example/p/return/MAT01/",
    }
    assert headers["Content-Type"].startswith("text/xml")
    assert headers["SOAPAction"] == '""'
    (idop,) = server.operations
    assert action.method == "GET"
    assert action.url == f"https://www.payfip.gouv.fr/tpa/paiementws.web?idop={idop}"
    assert idop_from_url(action.url) == idop


def test_budget_year_can_be_configured(server):
    gateway = PayFiPGateway(
        {
            "numcli": "123456",
            "saisie": "T",
            "exer": "2025",
            "endpoint": f"http://127.0.0.1:{server.server_port}/",
        }
    )
    gateway.start(REQUEST)
    assert dict(server.requests[0][1])["exer"] == "2025"


@pytest.mark.parametrize(
    "change",
    [
        {"reference": "MAT-0001"},  # refdet: letters and digits only
        {"reference": "M" * 31},
        {"amount_cents": 99},
        {"amount_cents": 10_000_001},
        {"currency": "USD"},
        {"email": "a@b"},
    ],
)
def test_start_refuses_what_payfip_would_refuse(gateway, server, change):
    with pytest.raises(GatewayError):
        gateway.start(dataclasses.replace(REQUEST, **change))
    assert server.requests == []


@pytest.mark.parametrize(
    "options",
    [
        {"numcli": "12345"},
        {"numcli": "123456", "saisie": "P"},
        {"numcli": "123456", "endpoint": "file:///etc/passwd"},
    ],
)
def test_bad_configuration_is_a_gateway_error(options):
    with pytest.raises(GatewayError):
        PayFiPGateway(options)


# --- notifications: looked up, never trusted --------------------------------------------------------


@pytest.mark.parametrize(
    ("resultrans", "expected"),
    [
        ("P", Outcome.CONFIRMED),
        ("V", Outcome.CONFIRMED),
        ("R", Outcome.FAILED),
        ("Z", Outcome.FAILED),
        ("A", Outcome.CANCELLED),
        ("X", Outcome.PENDING),
    ],
)
def test_notification_outcome_comes_from_the_lookup(gateway, server, resultrans, expected):
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, resultrans)
    outcome = notify(gateway, idop)
    assert outcome.outcome == expected
    assert outcome.reference == "MAT0123456789ABCDEF"
    assert outcome.amount_cents == 17500
    assert outcome.currency == "EUR"
    assert outcome.transaction_id == idop
    assert outcome.raw["resultrans"] == resultrans
    assert server.requests[-1][0] == "recupererDetailPaiementSecurise"
    assert server.requests[-1][1] == [("idOp", idop)]


def test_paid_notification_carries_the_bank_details(gateway, server):
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, "P")
    raw = notify(gateway, idop).raw
    assert (raw["numauto"], raw["dattrans"], raw["heurtrans"]) == ("112233", "08072024", "1234")


def test_amount_mismatch_is_reported_for_the_caller_to_compare(gateway, server):
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, "P", montant="100")
    outcome = notify(gateway, idop)
    assert (outcome.outcome, outcome.amount_cents) == (Outcome.CONFIRMED, 100)


@pytest.mark.parametrize(
    "montant", [None, "", "dix-sept", "17500.00", "\uff11\uff17\uff15\uff10\uff10", "\u00b2"]
)
def test_a_paid_answer_without_a_readable_amount_says_no_amount(gateway, server, montant):
    # Neither guessed nor an error: the payments service holds such a payment for review.
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, "P", montant=montant)
    outcome = notify(gateway, idop)
    assert (outcome.outcome, outcome.amount_cents) == (Outcome.CONFIRMED, None)
    assert ("montant" in outcome.raw) is (montant is not None)


def test_redirect_with_idop_in_the_query_is_looked_up_too(gateway, server):
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, "P")
    assert gateway.verify_notification("GET", f"idop={idop}", b"").outcome == Outcome.CONFIRMED


def test_unknown_idop_is_refused(gateway, server):
    with pytest.raises(InvalidNotification):
        notify(gateway, "b5e1f1c2-7a43-4f6e-9d1c-999999999999")


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"numcli": "654321"}, "another client's payment"),
        ({"saisie": "T"}, "a free test-mode payment while we are in production"),
    ],
)
def test_payment_not_ours_is_refused(gateway, server, changes, why):
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, "P", **changes)
    with pytest.raises(InvalidNotification):
        notify(gateway, idop)


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("", b""),
        ("", b"idOp="),
        ("", b"idOp=../../etc&x=1"),
        ("", b"idOp=a&idOp=b"),
        ("", b"idOp=\xff\xfe"),
        ("", "idOp=é".encode()),
    ],
)
def test_malformed_notification_is_refused_without_calling_payfip(gateway, server, query, body):
    with pytest.raises(InvalidNotification):
        gateway.verify_notification("POST", query, body)
    assert server.requests == []


def test_notification_before_the_end_of_the_payment_asks_for_a_retry(gateway, server):
    idop = idop_from_url(gateway.start(REQUEST).url)
    with pytest.raises(PayFiPFault) as fault:
        notify(gateway, idop)
    assert fault.value.code == "P5"
    assert isinstance(fault.value, GatewayError)


def test_payfip_unreachable_is_a_gateway_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gateway = PayFiPGateway({"numcli": "123456", "endpoint": f"http://127.0.0.1:{port}/", "timeout": 2})
    with pytest.raises(GatewayError):
        gateway.start(REQUEST)
    with pytest.raises(GatewayError):
        notify(gateway, "b5e1f1c2-7a43-4f6e-9d1c-000000000001")


def test_answer_that_is_not_soap_is_a_gateway_error(gateway, server):
    server.garbage = True
    with pytest.raises(GatewayError):
        gateway.start(REQUEST)


# --- reconciliation ---------------------------------------------------------------------------------


def test_lookup(gateway, server):
    idop = idop_from_url(gateway.start(REQUEST).url)
    pending = gateway.lookup(REQUEST.reference, transaction_id=idop)
    assert (pending.outcome, pending.reference, pending.transaction_id) == (
        Outcome.PENDING,
        REQUEST.reference,
        idop,
    )
    server.pay(idop, "P")
    paid = gateway.lookup(REQUEST.reference, transaction_id=idop)
    assert (paid.outcome, paid.amount_cents, paid.currency) == (Outcome.CONFIRMED, 17500, "EUR")


def test_lookup_of_a_purged_operation_means_never_paid(gateway, server):
    outcome = gateway.lookup(REQUEST.reference, transaction_id="b5e1f1c2-7a43-4f6e-9d1c-999999999999")
    assert outcome.outcome == Outcome.CANCELLED


def test_lookup_needs_the_idop_and_our_reference(gateway, server):
    with pytest.raises(GatewayError):
        gateway.lookup(REQUEST.reference)
    idop = idop_from_url(gateway.start(REQUEST).url)
    server.pay(idop, "P")
    with pytest.raises(GatewayError):
        gateway.lookup("MATOTHER", transaction_id=idop)
    server.pay(idop, "P", saisie="T")
    with pytest.raises(GatewayError):
        gateway.lookup(REQUEST.reference, transaction_id=idop)


# --- the SOAP pieces alone ------------------------------------------------------------------------------


def test_envelope_escapes_values():
    content = payfip.envelope("creerPaiementSecurise", [("mel", "a<b>&c@example.org")])
    root = ET.fromstring(content)  # noqa: S314
    assert root.find(".//arg0/mel").text == "a<b>&c@example.org"


def test_fault_code_and_message_are_read():
    with pytest.raises(PayFiPFault) as fault:
        payfip.parse_answer(TEMPLATES["fault"].substitute(code="P1", descriptif="IdOp incorrect.").encode())
    assert fault.value.code == "P1"
    assert "IdOp incorrect." in str(fault.value)


@pytest.mark.parametrize(
    "content", [b"", b"<a/>", f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body/></e:Envelope>'.encode()]
)
def test_unusable_answers(content):
    with pytest.raises(GatewayError):
        payfip.parse_answer(content)


def test_objet_alphabet():
    assert (
        payfip.normalize_objet("Droits d'inscription 2024-2025 — Licence « L1 » éàç")
        == "Droits d inscription 2024 2025 Licence L1 eac"
    )
    assert len(payfip.normalize_objet("x" * 300)) == 100
