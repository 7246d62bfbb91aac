"""The simulator's gateway adapter: its signed-form protocol (HMAC-SHA256 over the sorted fields),
the order it starts, the notifications it accepts, and its look-ups and refunds in its own ledger."""

import re
import stat
import threading
import urllib.parse

import pytest
from django.urls import reverse

from matricule.payments.gateways.base import GatewayError, InvalidNotification, Outcome
from matricule.payments.models import SimulatedBankTransaction
from matricule.payments.simulator.gateway import SimulatorGateway, instance_secret, sign, signed, verify
from tests.payments.orders import payment_request

SECRET = "the-simulator-secret"
OUTCOME = {
    "reference": "MAT0123456789ABCDEF",
    "amount": "17800",
    "currency": "EUR",
    "status": "confirmed",
    "transaction_id": "t1",
}


def gateway():
    return SimulatorGateway({"secret": SECRET})


def posted(fields):
    return urllib.parse.urlencode(fields).encode()


def test_the_signature_covers_every_field_in_any_order_but_itself():
    fields = signed(OUTCOME, SECRET)
    assert fields["signature"] == sign(dict(reversed(list(OUTCOME.items()))), SECRET)
    assert sign(fields, SECRET) == fields["signature"]  # a signature field is left out
    assert len(fields["signature"]) == 64 and verify(fields, SECRET)


@pytest.mark.parametrize(
    "fields",
    [
        {**signed(OUTCOME, SECRET), "amount": "1"},  # tampered
        signed(OUTCOME, "another-secret"),  # forged
        OUTCOME,  # not signed
        {**OUTCOME, "signature": ""},
    ],
    ids=["tampered", "forged", "unsigned", "empty"],
)
def test_anything_but_our_own_signature_does_not_verify(fields):
    assert not verify(fields, SECRET)


def test_an_order_is_a_signed_form_posted_to_the_simulator_card_page():
    request = payment_request(amount_cents=17800, notify_url="https://matricule.example/notification/")
    action = gateway().start(request)
    assert (action.url, action.method) == (reverse("payment-simulator:card"), "POST")
    assert verify(action.fields, SECRET)
    assert action.fields["amount"] == "17800" and action.fields["notify_url"].endswith("/notification/")


def test_a_genuine_notification_gives_the_outcome_by_post_or_get():
    fields = signed(OUTCOME, SECRET)
    outcome = gateway().verify_notification("POST", "", posted(fields))
    assert (outcome.reference, outcome.outcome, outcome.amount_cents, outcome.currency) == (
        "MAT0123456789ABCDEF",
        Outcome.CONFIRMED,
        17800,
        "EUR",
    )
    assert outcome.transaction_id == "t1" and outcome.raw == fields
    returned = gateway().verify_notification("GET", urllib.parse.urlencode(fields), b"")
    assert returned == outcome


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({**signed(OUTCOME, SECRET), "amount": "1"}, "bad signature"),
        (signed({**OUTCOME, "status": "lost"}, SECRET), "malformed"),
        (signed({**OUTCOME, "amount": "cent"}, SECRET), "malformed"),
        (signed({key: value for key, value in OUTCOME.items() if key != "currency"}, SECRET), "malformed"),
    ],
    ids=["tampered", "unknown-status", "amount-not-a-number", "no-currency"],
)
def test_a_forged_or_malformed_notification_is_refused(fields, reason):
    with pytest.raises(InvalidNotification, match=reason):
        gateway().verify_notification("POST", "", posted(fields))


def test_a_lookup_reads_the_latest_transaction_of_the_reference_and_a_refund_is_kept(db):
    unknown = gateway().lookup("MATNOTHING")
    assert (unknown.outcome, unknown.amount_cents, unknown.currency) == (Outcome.PENDING, None, None)
    for transaction_id, status in (("b1", "failed"), ("b2", "confirmed")):
        SimulatedBankTransaction.objects.create(
            transaction_id=transaction_id,
            reference="MAT1",
            amount_cents=17800,
            currency="EUR",
            status=status,
            notify_url="http://127.0.0.1:9/",
            return_url="http://x/",
        )
    found = gateway().lookup("MAT1")
    assert (found.outcome, found.amount_cents, found.transaction_id) == (Outcome.CONFIRMED, 17800, "b2")
    refunded = gateway().refund("MAT1", 5000, transaction_id="b2")
    assert refunded.outcome == Outcome.CONFIRMED
    assert SimulatedBankTransaction.objects.get(transaction_id="b2").refunded_cents == 5000


# --- the secret: this instance's own, never derived from SECRET_KEY ----------------------------------


def test_the_secret_is_drawn_once_per_instance_and_kept_for_its_owner_only(tmp_path):
    first, second = (
        tmp_path / "one" / "payment-simulator.secret",
        tmp_path / "two" / "payment-simulator.secret",
    )
    secret = SimulatorGateway({"secret_file": str(first)}).secret
    assert re.fullmatch(r"[0-9a-f]{64}", secret)  # 256 random bits
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert SimulatorGateway({"secret_file": str(first)}).secret == secret  # kept: the same next time
    assert SimulatorGateway({"secret_file": str(second)}).secret != secret  # another instance, another
    assert sorted(path.name for path in first.parent.iterdir()) == ["payment-simulator.secret"]


def test_processes_starting_together_share_the_first_secret_written(tmp_path):
    path = tmp_path / "payment-simulator.secret"
    secrets, start = [], threading.Barrier(8)

    def draw():
        start.wait()
        secrets.append(instance_secret(path))

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(secrets) == 8 and len(set(secrets)) == 1 and path.read_text().strip() == secrets[0]


def test_a_secret_given_in_the_settings_is_used_as_is(tmp_path):
    path = tmp_path / "payment-simulator.secret"
    assert SimulatorGateway({"secret": SECRET, "secret_file": str(path)}).secret == SECRET
    assert not path.exists()


def test_an_emptied_secret_file_is_refused_not_used(tmp_path):
    path = tmp_path / "payment-simulator.secret"
    path.write_text("\n")
    with pytest.raises(GatewayError, match="too short"):
        _ = SimulatorGateway({"secret_file": str(path)}).secret


def test_without_a_secret_the_simulator_is_off():
    with pytest.raises(GatewayError, match="not enabled"):
        SimulatorGateway({})


def test_the_instance_secret_is_not_the_development_secret_key(settings):
    from matricule.payments.services import gateway_for

    simulator = gateway_for("simulator")
    assert settings.SECRET_KEY not in simulator.secret
    # What anyone could sign with the public development key before is refused.
    old = signed(OUTCOME, "simulator-" + settings.SECRET_KEY)
    with pytest.raises(InvalidNotification):
        simulator.verify_notification("POST", "", posted(old))


def test_a_refund_of_a_transaction_the_bank_does_not_know_is_refused_as_a_gateway_error(db):
    with pytest.raises(GatewayError):
        gateway().refund("MATUNKNOWN", 100, transaction_id="no-such-transaction")
