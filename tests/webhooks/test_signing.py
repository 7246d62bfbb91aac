"""Standard Webhooks signatures, checked by the specification's own library as an independent
receiver, and by hand."""

import base64
import hashlib
import hmac
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from matricule.webhooks import signing

BODY = '{"type":"registration.registered","data":{"stage":"GEII-1","name":"Lefèvre"}}'


def test_a_secret_is_whsec_and_32_random_bytes_in_base64():
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


def test_webhook_ids_are_msg_and_unique():
    ids = {signing.new_webhook_id() for _ in range(100)}
    assert len(ids) == 100 and all(i.startswith("msg_") and len(i) <= 40 for i in ids)


def test_the_standardwebhooks_library_verifies_our_headers():
    secret, stamp = signing.new_secret(), int(time.time())
    headers = signing.headers(secret, "msg_1", stamp, BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    # As a receiver gets it: the UTF-8 bytes of the body.
    assert Webhook(secret).verify(BODY.encode(), headers)["data"]["name"] == "Lefèvre"


@pytest.mark.parametrize(
    "change",
    [
        {"body": BODY.replace("GEII-1", "GEA-1")},
        {"webhook-id": "msg_2"},
        {"secret": signing.new_secret()},
    ],
)
def test_a_changed_body_id_or_secret_does_not_verify(change):
    secret, stamp = signing.new_secret(), int(time.time())
    headers = signing.headers(secret, "msg_1", stamp, BODY)
    headers["webhook-id"] = change.get("webhook-id", headers["webhook-id"])
    with pytest.raises(WebhookVerificationError):
        Webhook(change.get("secret", secret)).verify(change.get("body", BODY), headers)


def test_an_old_message_played_again_is_refused_by_the_receiver():
    secret = signing.new_secret()
    headers = signing.headers(secret, "msg_1", int(time.time()) - 600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers)


def test_the_signature_by_hand():
    secret = signing.new_secret()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"msg_1.1700000000.{BODY}".encode(), hashlib.sha256).digest()
    assert signing.signature(secret, "msg_1", 1700000000, BODY) == "v1," + base64.b64encode(expected).decode()
