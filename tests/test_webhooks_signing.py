"""Standard Webhooks signing (§11): the published test vector, and agreement with the
independent ``standardwebhooks`` package in both directions."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from devintel_cli.alerts.signing import (
    generate_secret,
    new_message_id,
    secret_key,
    sign,
    verify,
)
from devintel_cli.errors import UsageError

# The vector from STYLE.md / the Standard Webhooks spec repository.
GOLDEN_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
GOLDEN_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
GOLDEN_TS = 1614265330
GOLDEN_BODY = b'{"test": 2432232314}'
GOLDEN_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_golden_vector() -> None:
    assert sign(GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY) == GOLDEN_SIGNATURE


def test_golden_vector_verifies_and_tampering_does_not() -> None:
    assert verify(GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY, GOLDEN_SIGNATURE)
    assert not verify(
        GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS, b'{"test": 2432232315}', GOLDEN_SIGNATURE
    )
    assert not verify(GOLDEN_SECRET, "msg_other", GOLDEN_TS, GOLDEN_BODY, GOLDEN_SIGNATURE)
    assert not verify(GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS + 1, GOLDEN_BODY, GOLDEN_SIGNATURE)


def test_verify_accepts_any_of_several_signatures_and_ignores_other_versions() -> None:
    # During secret rotation a sender may list several space-separated signatures.
    header = f"v2,xyz v1,bm90LXRoZS1zaWduYXR1cmU= {GOLDEN_SIGNATURE}"
    assert verify(GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY, header)
    assert not verify(GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY, "v1,!!notbase64!!")


def test_verify_with_now_rejects_timestamps_outside_tolerance() -> None:
    # 300 s tolerance: 1614265330 + 300 is still fine, + 301 is not.
    args = (GOLDEN_SECRET, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY, GOLDEN_SIGNATURE)
    assert verify(*args, now=GOLDEN_TS + 300)
    assert not verify(*args, now=GOLDEN_TS + 301)
    assert not verify(*args, now=GOLDEN_TS - 301)


def test_signature_verified_by_standardwebhooks_package() -> None:
    secret = generate_secret()
    msg_id = new_message_id()
    timestamp = int(time.time())  # the package rejects timestamps older than 5 minutes
    body = b'{"type":"alert.firing","data":{"value":18.2}}'
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
    assert Webhook(secret).verify(body, headers) == {
        "type": "alert.firing",
        "data": {"value": 18.2},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_package_signature_verified_by_us() -> None:
    from datetime import UTC, datetime

    secret = generate_secret()
    moment = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    theirs = Webhook(secret).sign("msg_abc", moment, '{"a":1}')
    assert verify(secret, "msg_abc", int(moment.timestamp()), b'{"a":1}', theirs)


def test_generated_secrets_are_whsec_base64_of_at_least_24_random_bytes() -> None:
    secrets_ = {generate_secret() for _ in range(20)}
    assert len(secrets_) == 20
    for secret in secrets_:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert len(secret_key(generate_secret(24))) == 24
    with pytest.raises(ValueError):
        generate_secret(16)


def test_message_ids_are_unique_and_prefixed() -> None:
    ids = {new_message_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("msg_") and len(i) == 28 and i[4:].isalnum() for i in ids)


def test_bad_secret_error_does_not_contain_the_secret() -> None:
    bad = "whsec_this-is-not*base64!"
    with pytest.raises(UsageError) as info:
        sign(bad, "msg_x", 1, b"{}")
    assert "this-is-not" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(UsageError):
        secret_key("whsec_")


def test_unpadded_and_unprefixed_secrets_are_accepted() -> None:
    # "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" is 32 base64 chars (24 bytes, no padding needed);
    # without its prefix it is the same key.
    assert sign(GOLDEN_SECRET.removeprefix("whsec_"), GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY) == (
        GOLDEN_SIGNATURE
    )
    key = base64.b64encode(b"k" * 25).decode().rstrip("=")  # 25 bytes -> needs '==' padding
    assert secret_key("whsec_" + key) == b"k" * 25
