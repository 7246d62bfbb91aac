"""Paybox look-up through Paybox Direct (PPPS), against a small fake of PPPS.php (http.server on
127.0.0.1) that checks each question as documented (VERSION 00104, TYPE, SITE, RANG, a NUMQUESTION
never used twice, DATEQ, and the HMAC recomputed here independently, or the CLE) and answers in
Paybox's format: URL-encoded variables in ISO-8859-1, SITE, RANG and NUMQUESTION repeated."""

import datetime
import hashlib
import hmac
import http.server
import time
from urllib.parse import parse_qsl, quote

import pytest

from matricule.payments.gateways import paybox
from matricule.payments.gateways.base import GatewayError, Outcome
from matricule.payments.gateways.paybox import PayboxGateway
from tests.loopback import FakeHandler, serving

from .test_paybox import KEY, OPTIONS

SITE, RANG, CLE = OPTIONS["site"], OPTIONS["rang"], "1999888I"
REFERENCE = "MAT0123456789ABCDEF"


class FakePPPS(http.server.ThreadingHTTPServer):
    """Transactions by (REFERENCE, amount in cents). `trouble` makes every answer go wrong in one
    way: "garbage", "http500", "slow", or a variable of the answer to falsify ("SITE", …)."""

    daemon_threads = True

    def __init__(self, *, key_hex: str | None = KEY, cle: str | None = None):
        super().__init__(("127.0.0.1", 0), PPPSHandler)
        self.key_hex, self.cle = key_hex, cle
        self.transactions: dict[tuple[str, int], dict] = {}
        self.questions: list[list[tuple[str, str]]] = []
        self.problems: list[str] = []  # what a question did wrong (asserted empty by the fixture)
        self.numbers: set[str] = set()
        self.trouble = ""
        self.raw = b""  # the answer when trouble is "raw"
        self.extra: dict[str, str] = {}  # variables added to 00017 answers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/PPPS.php"

    def pay(self, reference=REFERENCE, amount_cents=17500, status="Capturé"):
        number = len(self.transactions) + 1
        self.transactions[(reference, amount_cents)] = {
            "NUMTRANS": f"{60912344 + number:010d}",
            "NUMAPPEL": f"{10452317 + number:010d}",
            "STATUS": status,
        }


class PPPSHandler(FakeHandler):
    server: FakePPPS
    content_type = "text/html; charset=ISO-8859-1"

    def problem(self, text):
        self.server.problems.append(text)

    def do_POST(self):
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            self.problem(f"content type {self.headers.get('Content-Type')}")
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("ascii")
        posted = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
        self.server.questions.append(posted)
        if self.server.trouble == "slow":
            time.sleep(1.5)
        if self.server.trouble == "http500":
            return self.send(500, b"Internal Server Error")
        if self.server.trouble == "garbage":
            return self.send(200, b"<html><body>Service en maintenance</body></html>")
        if self.server.trouble == "raw":
            return self.send(200, self.server.raw)
        asked = dict(posted)
        if len(asked) != len(posted):
            self.problem("a variable posted twice")
        self.check(posted, asked)
        if not self.authentic(posted, asked):
            return self.answer(
                asked, CODEREPONSE="00006", COMMENTAIRE="Accès refusé ou site/rang/clé invalide"
            )
        if asked.get("TYPE") == paybox.CHECK_EXISTENCE:
            return self.existence(asked)
        if asked.get("TYPE") == paybox.INQUIRY:
            return self.inquiry(asked)
        self.problem(f"TYPE {asked.get('TYPE')}")
        return self.answer(asked, CODEREPONSE="00014", COMMENTAIRE="Trame invalide")

    def check(self, posted, asked):
        expected = {"VERSION": "00104", "SITE": SITE, "RANG": RANG}
        for name, value in expected.items():
            if asked.get(name) != value:
                self.problem(f"{name}={asked.get(name)!r}")
        number = asked.get("NUMQUESTION", "")
        if not (len(number) == 10 and number.isdigit() and int(number) <= 2_147_483_647):
            self.problem(f"NUMQUESTION={number!r}")
        if number in self.server.numbers:
            self.problem(f"NUMQUESTION {number} used twice")
        self.server.numbers.add(number)
        try:
            datetime.datetime.strptime(asked.get("DATEQ", ""), "%d%m%Y%H%M%S")
        except ValueError:
            self.problem(f"DATEQ={asked.get('DATEQ')!r}")

    def authentic(self, posted, asked) -> bool:
        if self.server.key_hex:
            if "CLE" in asked or posted[-1][0] != "HMAC" or asked.get("HASH") != "SHA512":
                self.problem("HMAC question without HASH=SHA512 and HMAC last, or with a CLE")
                return False
            message = "&".join(f"{name}={value}" for name, value in posted[:-1])
            digest = hmac.new(bytes.fromhex(self.server.key_hex), message.encode(), hashlib.sha512)
            return hmac.compare_digest(digest.hexdigest().upper(), posted[-1][1])
        if "HMAC" in asked or "HASH" in asked:
            self.problem("CLE question with an HMAC")
        return asked.get("CLE") == self.server.cle

    def existence(self, asked):
        montant, devise, reference = asked.get("MONTANT", ""), asked.get("DEVISE"), asked.get("REFERENCE", "")
        if not (len(montant) == 10 and montant.isdigit()) or devise != "978" or not reference:
            self.problem(f"00011 with MONTANT={montant!r} DEVISE={devise!r} REFERENCE={reference!r}")
        found = self.server.transactions.get((reference, int(montant or 0)))
        if found is None:
            return self.answer(asked, CODEREPONSE="00018", COMMENTAIRE="Transaction non trouvée")
        return self.answer(
            asked,
            NUMTRANS=found["NUMTRANS"],
            NUMAPPEL=found["NUMAPPEL"],
            REFERENCE=reference,
            CODEREPONSE="00000",
            COMMENTAIRE="Demande traitée avec succès",
        )

    def inquiry(self, asked):
        found = next(
            (item for item in self.server.transactions.values() if item["NUMTRANS"] == asked.get("NUMTRANS")),
            None,
        )
        if found is None:
            return self.answer(asked, CODEREPONSE="00018", COMMENTAIRE="Transaction non trouvée")
        if asked.get("NUMAPPEL") != found["NUMAPPEL"]:
            self.problem(f"00017 with NUMAPPEL={asked.get('NUMAPPEL')!r}")
        return self.answer(
            asked,
            NUMTRANS=found["NUMTRANS"],
            NUMAPPEL=found["NUMAPPEL"],
            CODEREPONSE="00000",
            COMMENTAIRE="Demande traitée avec succès",
            STATUS=found["STATUS"],
            REMISE="123456",
            **self.server.extra,
        )

    def answer(self, asked, **variables):
        repeated = {"NUMQUESTION": asked.get("NUMQUESTION", ""), "SITE": SITE, "RANG": RANG}
        if self.server.trouble in repeated:  # an answer to another question, or for another site
            repeated[self.server.trouble] = str(int(repeated[self.server.trouble] or 0) + 1)
        if self.server.trouble == "REFERENCE" and "REFERENCE" in variables:
            variables["REFERENCE"] = "MATFFFFFFFFFFFFFFFF"
        # Paybox writes the values as they are, accents in ISO-8859-1.
        text = "&".join(f"{name}={value}" for name, value in {**repeated, **variables}.items())
        self.send(200, text.encode("latin-1"))


@pytest.fixture
def ppps(monkeypatch):
    with serving(FakePPPS(), monkeypatch) as server:
        yield server
    assert server.problems == []


def lookup_options(server, **changes):
    return {**OPTIONS, "ppps_url": server.url, "ppps_hmac": True, "timeout": 5, **changes}


@pytest.fixture
def gateway(ppps):
    return PayboxGateway(lookup_options(ppps))


def look_up(gateway, reference=REFERENCE, amount_cents=17500):
    return gateway.lookup_attempt(reference, amount_cents=amount_cents, currency="EUR")


# --- what Paybox answers ----------------------------------------------------------------------------


def test_a_captured_payment_is_confirmed_for_the_amount_of_the_attempt(ppps, gateway):
    ppps.pay(status="Capturé")
    outcome = look_up(gateway)
    assert (outcome.reference, outcome.outcome, outcome.amount_cents, outcome.currency) == (
        REFERENCE,
        Outcome.CONFIRMED,
        17500,
        "EUR",
    )
    assert outcome.transaction_id == "0060912345"
    assert outcome.raw["inquiry"]["STATUS"] == "Capturé"  # read from ISO-8859-1
    existence, inquiry = (dict(question) for question in ppps.questions)
    assert (existence["TYPE"], existence["MONTANT"], existence["DEVISE"], existence["REFERENCE"]) == (
        "00011",
        "0000017500",
        "978",
        REFERENCE,
    )
    assert (inquiry["TYPE"], inquiry["NUMTRANS"], inquiry["NUMAPPEL"]) == (
        "00017",
        "0060912345",
        "0010452318",
    )
    assert "CLE" not in existence and "CLE" not in inquiry  # the HMAC variant sends no password


def test_an_authorised_payment_is_confirmed_paybox_system_captures_it(ppps, gateway):
    ppps.pay(status="Autorisé")
    assert look_up(gateway).outcome == Outcome.CONFIRMED


def test_the_amount_paybox_gives_is_the_one_reported(ppps, gateway):
    ppps.pay(status="Capturé")
    ppps.extra = {"MONTANT": "0000000100"}
    assert look_up(gateway).amount_cents == 100  # the caller then holds it for review


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Refusé", Outcome.FAILED),
        ("Annulé", Outcome.CANCELLED),
        ("Remboursé", Outcome.PENDING),  # not ours to decide: left for staff
        ("Rejet support", Outcome.PENDING),
        ("Crédit", Outcome.PENDING),
    ],
)
def test_other_statuses(ppps, gateway, status, expected):
    ppps.pay(status=status)
    assert look_up(gateway).outcome == expected


def test_a_payment_paybox_does_not_know_is_still_pending(ppps, gateway):
    ppps.pay(amount_cents=9900)  # another amount: not the transaction of this attempt
    outcome = look_up(gateway)
    assert (outcome.outcome, outcome.amount_cents, outcome.currency) == (Outcome.PENDING, None, None)
    assert [dict(question)["TYPE"] for question in ppps.questions] == ["00011"]


def test_the_password_variant_posts_the_cle(monkeypatch):
    with serving(FakePPPS(key_hex=None, cle=CLE), monkeypatch) as server:
        server.pay()
        gateway = PayboxGateway(lookup_options(server, ppps_hmac=False, ppps_cle=CLE))
        assert look_up(gateway).outcome == Outcome.CONFIRMED
        assert all(dict(question)["CLE"] == CLE for question in server.questions)
        wrong = PayboxGateway(lookup_options(server, ppps_hmac=False, ppps_cle="wrong"))
        with pytest.raises(GatewayError, match="00006"):
            look_up(wrong)
    assert server.problems == []


def test_a_question_signed_with_another_key_is_refused(ppps):
    gateway = PayboxGateway(lookup_options(ppps, key="AB" * 64))
    with pytest.raises(GatewayError, match="Paybox Direct 00006"):
        look_up(gateway)


# --- answers never trusted ----------------------------------------------------------------------------


@pytest.mark.parametrize("trouble", ["SITE", "RANG", "NUMQUESTION"])
def test_an_answer_that_does_not_repeat_the_question_is_refused(ppps, gateway, trouble):
    ppps.pay()
    ppps.trouble = trouble
    with pytest.raises(GatewayError, match=f"does not repeat our {trouble}"):
        look_up(gateway)


def test_an_answer_about_another_reference_is_refused(ppps, gateway):
    ppps.pay()
    ppps.trouble = "REFERENCE"
    with pytest.raises(GatewayError, match="another reference"):
        look_up(gateway)


@pytest.mark.parametrize(("trouble", "message"), [("garbage", "not URL-encoded"), ("http500", "HTTP 500")])
def test_garbage_or_a_server_error_is_a_gateway_error(ppps, gateway, trouble, message):
    ppps.pay()
    ppps.trouble = trouble
    with pytest.raises(GatewayError, match=message):
        look_up(gateway)


def test_a_server_too_slow_is_a_gateway_error(ppps):
    ppps.pay()
    ppps.trouble = "slow"
    gateway = PayboxGateway(lookup_options(ppps, timeout=0.3))
    started = time.monotonic()
    with pytest.raises(GatewayError, match="unreachable"):
        look_up(gateway)
    assert time.monotonic() - started < 1.4


def test_nobody_listening_is_a_gateway_error():
    with pytest.raises(GatewayError, match="unreachable"):
        look_up(PayboxGateway({**OPTIONS, "ppps_url": "http://127.0.0.1:9/PPPS.php", "ppps_hmac": True}))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"CODEREPONSE=00000", "does not repeat our SITE"),
        (b"", "not URL-encoded"),
        (b"SITE=1999888&SITE=1999888&RANG=32&CODEREPONSE=00000", "given twice"),
        (b"SITE=1999888&RANG=32&COMMENTAIRE=Erreur", "without CODEREPONSE"),
        (b"SITE=1999888&RANG=32&CODEREPONSE=00003&COMMENTAIRE=Erreur Paybox", "00003: Erreur Paybox"),
    ],
)
def test_malformed_or_failed_answers_are_gateway_errors(ppps, gateway, content, message):
    ppps.pay()
    ppps.trouble, ppps.raw = "raw", content
    with pytest.raises(GatewayError, match=message):
        look_up(gateway)


@pytest.mark.parametrize(
    "content",
    [
        "STATUS=Capturé&COMMENTAIRE=Demande traitée".encode("latin-1"),
        "STATUS=Capturé&COMMENTAIRE=Demande traitée".encode(),
        ("STATUS=" + quote("Capturé", encoding="latin-1") + "&COMMENTAIRE=Demande+trait%E9e").encode(),
        ("STATUS=" + quote("Capturé") + "&COMMENTAIRE=Demande%20trait%C3%A9e").encode(),
    ],
)
def test_answers_are_read_in_iso_8859_1_or_utf_8(content):
    assert paybox.decode_answer(content) == {"STATUS": "Capturé", "COMMENTAIRE": "Demande traitée"}


# --- configuration ---------------------------------------------------------------------------------


def test_without_paybox_direct_credentials_there_is_no_lookup():
    gateway = PayboxGateway(OPTIONS)
    assert not gateway.supports_lookup and gateway.ppps_url == paybox.PPPS_URLS["prod"]
    with pytest.raises(GatewayError, match="credentials"):
        look_up(gateway)
    assert PayboxGateway({**OPTIONS, "ppps_cle": CLE}).supports_lookup
    assert PayboxGateway({**OPTIONS, "ppps_hmac": "true"}).supports_lookup
    assert not PayboxGateway({**OPTIONS, "ppps_hmac": "false"}).supports_lookup
    with pytest.raises(GatewayError, match="reference and amount"):
        PayboxGateway({**OPTIONS, "ppps_hmac": True}).lookup(REFERENCE)


@pytest.mark.parametrize(
    "url", ["http://ppps.paybox.com/PPPS.php", "ftp://127.0.0.1/PPPS.php", "PPPS.php", "http://[::1"]
)
def test_the_ppps_address_must_be_https_but_for_a_local_test_server(url):
    with pytest.raises(GatewayError, match="ppps_url"):
        PayboxGateway({**OPTIONS, "ppps_url": url, "ppps_hmac": True})


def test_only_euros_are_looked_up(gateway):
    with pytest.raises(GatewayError, match="USD"):
        gateway.lookup_attempt(REFERENCE, amount_cents=100, currency="USD")


def test_question_numbers_are_ten_digits_never_twice_in_a_day():
    numbers = paybox.QuestionNumbers()
    noon = datetime.datetime(2024, 7, 8, 12, 0, 0, 123456, tzinfo=datetime.UTC)
    first, second = numbers.next(noon), numbers.next(noon)
    assert (first, second) == ("0432001234", "0432001235")
    assert numbers.next(noon - datetime.timedelta(seconds=1)) == "0432001236"  # the clock went back
    end_of_day = numbers.next(datetime.datetime(2024, 7, 8, 23, 59, 59, 999999, tzinfo=datetime.UTC))
    assert int(end_of_day) == 863_999_999 < 2_147_483_647
    assert numbers.next(datetime.datetime(2024, 7, 9, 0, 0, 0, tzinfo=datetime.UTC)) == "0000000000"
