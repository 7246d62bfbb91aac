"""Standard Webhooks signatures (https://www.standardwebhooks.com/): each message carries its
id, the time it was sent and an HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the
subscription's secret, so that the receiver can check where it comes from, that it was not
changed, and refuse an old one played again."""

import base64
import hashlib
import hmac
import secrets
import uuid

SECRET_PREFIX = "whsec_"  # noqa: S105 (the form of every secret, not one)
# 32 random bytes: the key length of HMAC-SHA256 (the specification asks for 24 to 64).
SECRET_BYTES = 32


def new_secret() -> str:
    """A signing secret in the specification's form, `whsec_` and the key in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header: version 1 (HMAC-SHA256), the digest in base64."""
    signed = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, webhook_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers of one attempt (the timestamp is the attempt's, not the event's)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
    }
