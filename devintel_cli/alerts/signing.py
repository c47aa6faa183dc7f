"""Standard Webhooks signing (https://www.standardwebhooks.com): secrets, message IDs,
``webhook-signature`` values and their verification.

A secret is ``whsec_`` + base64 of random bytes; the HMAC key is the decoded bytes, not the
text. The signed content is ``f"{msg_id}.{timestamp}.{body}"`` with the body exactly as sent.
Nothing here ever puts a secret into an exception message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from ..errors import UsageError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the standard's prefix, not a secret
#: Standard Webhooks asks for 24 to 64 bytes of key; 32 = HMAC-SHA256's output size
SECRET_BYTES = 32
MESSAGE_ID_PREFIX = "msg_"
SIGNATURE_VERSION = "v1"
#: how far a verified timestamp may be from now (the standard's replay window)
DEFAULT_TOLERANCE_S = 300


def generate_secret(nbytes: int = SECRET_BYTES) -> str:
    """A fresh ``whsec_…`` secret of ``nbytes`` (at least 24) random bytes."""
    if nbytes < 24:
        raise ValueError("a webhook secret needs at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def new_message_id() -> str:
    """``msg_`` + 24 random base32 characters: unique, URL-safe, stable across retries
    because it is stored with the message, never recomputed."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()
    return MESSAGE_ID_PREFIX + raw


def secret_key(secret: str) -> bytes:
    """The HMAC key: the base64 part of ``whsec_<base64>`` decoded.

    A secret without the prefix is accepted too (some providers hand out bare base64).
    Errors name the problem, never the secret.
    """
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # unpadded base64 is common in the wild; extra '=' is ignored by the decoder
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise UsageError("webhook secret is not valid base64 after its 'whsec_' prefix") from None
    if not key:
        raise UsageError("webhook secret is empty")
    return key


def _digest(secret: str, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{int(timestamp)}.".encode() + body
    return hmac.new(secret_key(secret), signed, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256>``."""
    signature = base64.b64encode(_digest(secret, msg_id, timestamp, body)).decode("ascii")
    return f"{SIGNATURE_VERSION},{signature}"


def verify(
    secret: str,
    msg_id: str,
    timestamp: int,
    body: bytes,
    signature_header: str,
    *,
    now: float | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether ``signature_header`` (space-separated ``v1,<sig>`` entries, as the standard
    allows during secret rotation) holds a valid signature of this message.

    With ``now`` given, a timestamp further than ``tolerance_s`` from it is rejected too
    (replay protection); without it only the signature is checked.
    """
    if now is not None and abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = _digest(secret, msg_id, timestamp, body)
    for entry in signature_header.split():
        version, _, encoded = entry.partition(",")
        if version != SIGNATURE_VERSION or not encoded:
            continue
        try:
            candidate = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, candidate):
            return True
    return False
