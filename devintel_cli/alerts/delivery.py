"""Webhook delivery (§11): one signed POST with bounded retries (:func:`deliver`), and a
delivery run over the outbox (:func:`deliver_outbox`).

Policy (docs/alerts.md, "Delivery"):

* 2xx acknowledges a message; it is marked delivered and never sent again.
* Connection errors, timeouts, 408, 429 and 5xx are retried within the run, ``attempts``
  times in all, sleeping ``backoff_s`` between tries (``Retry-After`` on 429/503 is honoured
  up to :data:`MAX_RETRY_AFTER_S`).
* Any other 4xx, and 3xx (redirects are not followed: a POST must not turn into a GET), is
  permanent for this run: no retry now.
* Whatever failed stays ``pending`` in the outbox with its error and is tried again by the
  next run (``alerts check`` or ``webhooks deliver``), with the same message ID and body.
  A message that still fails when it is older than ``max_age`` (72 h) becomes ``failed``:
  kept, with its last error, until requeued (:func:`store.requeue_failed`); it is never
  given up without having been tried at least once.
* Once a webhook fails with a retryable error in a run, its remaining messages wait for the
  next run (one dead receiver must not cost a timeout per queued message), which also keeps
  one receiver's messages in order.

Only stdlib ``urllib`` is used. Secrets never reach an error string, and a URL is only ever
shown through :func:`redact_url`.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import logging
import secrets
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .. import __version__
from ..errors import UsageError
from ..store import alerts as store
from ..timeutil import iso_z, parse_iso
from . import payload as payloads
from .signing import generate_secret, sign

log = logging.getLogger(__name__)

USER_AGENT = f"devintel/{__version__}"
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_S: tuple[float, ...] = (0.5, 2.0)
#: the longest ``Retry-After`` a run waits for before its next try
MAX_RETRY_AFTER_S = 30.0
#: a message still failing at this age is given up (kept as ``failed``)
DEFAULT_MAX_AGE = timedelta(hours=72)
#: response bytes read (and discarded): enough to finish a normal reply
_MAX_RESPONSE_BYTES = 64 * 1024
_RETRYABLE_STATUS = frozenset({408, 429})
#: query parameters whose values are masked by :func:`redact_url`
_SECRET_QUERY_KEYS = ("token", "key", "secret", "sig", "signature", "password", "auth", "code")


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    status_code: int | None
    attempts: int
    error: str | None
    #: the last failure was one that may succeed later (network, timeout, 408/429/5xx)
    retryable: bool = False


# ------------------------------------------------------------------------------------- URLs


def validate_url(url: str) -> str:
    """An http(s) URL with a host, else :class:`UsageError` (the message shows the URL
    redacted). Returns the URL stripped of surrounding whitespace."""
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UsageError("webhook URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise UsageError(f"not a valid URL: {redact_url(url)}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError(
            f"webhook URL must be http or https, not {parts.scheme or 'missing'!r}: "
            f"{redact_url(url)}"
        )
    if not parts.hostname:
        raise UsageError(f"webhook URL has no host: {redact_url(url)}")
    if port == 0:
        raise UsageError(f"webhook URL has port 0: {redact_url(url)}")
    return url


def redact_url(url: str) -> str:
    """A URL fit to print: ``user:password@`` removed, secret-looking query values masked,
    and the secret last path segment of a Slack incoming-webhook URL masked."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    if not parts.scheme or not parts.netloc:
        return url.rsplit("@", 1)[-1] if "@" in url else url
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path
    if host == "hooks.slack.com" and path.count("/") >= 3:
        path = path.rsplit("/", 1)[0] + "/***"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [
                (k, "***" if any(s in k.lower() for s in _SECRET_QUERY_KEYS) else v)
                for k, v in pairs
            ],
            safe="*",
        )
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _request_target(url: str) -> tuple[str, str | None]:
    """The URL without userinfo, and the ``Authorization: Basic`` value it carried."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), f"Basic {token}"


# --------------------------------------------------------------------------------- one POST


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would turn a redirected POST into a GET without body: refuse instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _scrub(text: str, *hidden: str | None) -> str:
    for value in hidden:
        if value:
            text = text.replace(value, "***")
    return text


def _retry_after(headers: object) -> float | None:
    raw = headers.get("Retry-After") if headers is not None else None  # type: ignore[attr-defined]
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


def deliver(
    url: str,
    secret: str,
    msg_id: str,
    body: bytes,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff_s: Sequence[float] = DEFAULT_BACKOFF_S,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> DeliveryResult:
    """POST ``body`` signed per Standard Webhooks, retrying transient failures.

    Each try is signed afresh with its own ``webhook-timestamp`` (receivers reject stale
    timestamps), under the same ``webhook-id``. ``sleep(backoff_s[i])`` separates tries
    (the last value repeats if there are more tries than values).
    """
    validate_url(url)
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    target, authorization = _request_target(url)
    password = urlsplit(url).password
    hidden = (
        secret,
        secret.removeprefix("whsec_"),
        url,
        password,
        unquote(password) if password else None,
    )
    status: int | None = None
    error = "not attempted"
    retryable = False
    for attempt in range(1, attempts + 1):
        timestamp = int(now())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body),
        }
        if authorization:
            headers["authorization"] = authorization
        # the scheme was checked by validate_url above: http(s) only, never file:
        request = urllib.request.Request(  # noqa: S310
            target, data=body, headers=headers, method="POST"
        )
        wait_hint: float | None = None
        try:
            with _OPENER.open(request, timeout=timeout_s) as response:
                status = response.status
                # the status line is the acknowledgement; the body is read only to finish
                with contextlib.suppress(OSError, http.client.HTTPException):
                    response.read(_MAX_RESPONSE_BYTES)
            if 200 <= status < 300:
                return DeliveryResult(True, status, attempt, None)
            # 1xx final statuses do not happen with urllib; anything else is unexpected
            error, retryable = f"unexpected HTTP {status}", True
        except urllib.error.HTTPError as exc:
            status = exc.code
            wait_hint = _retry_after(exc.headers) if status in (429, 503) else None
            exc.close()
            reason = f" {exc.reason}" if isinstance(exc.reason, str) and exc.reason else ""
            error = f"HTTP {status}{reason}"
            if 300 <= status < 400:
                error += " (redirects are not followed: give the webhook its final URL)"
            retryable = status in _RETRYABLE_STATUS or status >= 500
        except urllib.error.URLError as exc:
            status = None
            retryable = True
            if isinstance(exc.reason, TimeoutError):
                error = f"no response within {timeout_s:g} s"
            else:
                error = f"connection failed: {exc.reason}"
        except TimeoutError:
            status, retryable = None, True
            error = f"no response within {timeout_s:g} s"
        except (OSError, http.client.HTTPException) as exc:
            status, retryable = None, True
            error = f"connection failed: {type(exc).__name__}: {exc}"
        error = _scrub(error, *hidden)
        log.debug("webhook %s to %s: try %d failed: %s", msg_id, redact_url(url), attempt, error)
        if not retryable:
            return DeliveryResult(False, status, attempt, error, retryable=False)
        if attempt < attempts:
            delay = backoff_s[min(attempt - 1, len(backoff_s) - 1)] if backoff_s else 0.0
            if wait_hint is not None:
                delay = min(max(delay, wait_hint), MAX_RETRY_AFTER_S)
            sleep(delay)
    return DeliveryResult(False, status, attempts, error, retryable=retryable)


# ------------------------------------------------------------------------------ outbox runs

Outcome = Literal["delivered", "retry", "failed", "skipped", "claimed_elsewhere"]


@dataclass(frozen=True)
class MessageOutcome:
    message_id: str
    webhook_id: str
    #: delivered; retry (stays pending for the next run); failed (given up); skipped (its
    #: webhook failed earlier in this run); claimed_elsewhere (another run is sending it)
    outcome: Outcome
    status_code: int | None = None
    attempts: int = 0
    error: str | None = None


@dataclass(frozen=True)
class OutboxRun:
    outcomes: tuple[MessageOutcome, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def delivered(self) -> int:
        return self.count("delivered")

    @property
    def undelivered(self) -> int:
        """Messages this run left pending (to be retried by the next run)."""
        return self.count("retry") + self.count("skipped")

    @property
    def ok(self) -> bool:
        return all(o.outcome in ("delivered", "claimed_elsewhere") for o in self.outcomes)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def deliver_outbox(
    conn: sqlite3.Connection,
    *,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff_s: Sequence[float] = DEFAULT_BACKOFF_S,
    max_age: timedelta = DEFAULT_MAX_AGE,
    webhook_id: str | None = None,
    limit: int | None = None,
) -> OutboxRun:
    """Send every due outbox message (of one webhook, if given), oldest first.

    Each message is leased (:func:`store.claim`) before it is sent, so a concurrent run
    skips it; the lease outlasts the longest possible :func:`deliver` call. If this process
    dies after sending and before recording, the lease expires and a later run sends the
    same message ID again: delivery is at-least-once, and receivers drop duplicates by ID.
    """
    from ..store.db import write_transaction

    token = secrets.token_hex(8)
    lease = timedelta(seconds=attempts * timeout_s + max(attempts - 1, 0) * MAX_RETRY_AFTER_S + 60)
    outcomes: list[MessageOutcome] = []
    broken: set[str] = set()
    for message in store.due(conn, _utc(now()), webhook_id=webhook_id, limit=limit):
        key = (message.message_id, message.webhook_id)
        if message.webhook_id in broken:
            outcomes.append(MessageOutcome(*key, "skipped", error="webhook failed earlier in run"))
            continue
        started = _utc(now())
        with write_transaction(conn):
            claimed = store.claim(conn, *key, token=token, now=started, until=started + lease)
            webhook = store.get_webhook(conn, message.webhook_id) if claimed else None
        if not claimed:
            outcomes.append(MessageOutcome(*key, "claimed_elsewhere"))
            continue
        recorded = give_up = False
        try:
            if webhook is None:
                result = DeliveryResult(False, None, 0, "webhook no longer exists")
            else:
                try:
                    result = deliver(
                        webhook.url,
                        webhook.secret,
                        message.message_id,
                        message.body,
                        timeout_s=timeout_s,
                        attempts=attempts,
                        backoff_s=backoff_s,
                        sleep=sleep,
                        now=now,
                    )
                except UsageError as exc:  # a stored URL or secret that is no longer valid
                    result = DeliveryResult(False, None, 0, exc.message)
            finished = _utc(now())
            with write_transaction(conn):
                if result.ok:
                    store.mark_delivered(
                        conn,
                        *key,
                        at=finished,
                        attempts=result.attempts,
                        status_code=result.status_code,
                    )
                else:
                    too_old = parse_iso(message.created_at) <= finished - max_age
                    give_up = webhook is None or too_old
                    store.mark_attempt(
                        conn,
                        *key,
                        token=token,
                        at=finished,
                        attempts=result.attempts,
                        status_code=result.status_code,
                        error=result.error or "failed",
                        next_attempt_at=finished,
                        give_up=give_up,
                    )
            recorded = True
        finally:
            if not recorded:
                # interrupted (Ctrl-C) before recording: free the lease for the next run
                try:
                    with write_transaction(conn):
                        store.release(conn, *key, token=token)
                except Exception:  # the lease expires on its own anyway
                    log.debug("could not release lease of %s", message.message_id)
        if result.ok:
            outcome: Outcome = "delivered"
        else:
            outcome = "failed" if give_up else "retry"
            if result.retryable:
                broken.add(message.webhook_id)
        outcomes.append(
            MessageOutcome(*key, outcome, result.status_code, result.attempts, result.error)
        )
    return OutboxRun(tuple(outcomes))


# --------------------------------------------------------------------------------- webhooks

WEBHOOK_FORMATS = payloads.FORMATS


def new_webhook(
    *, webhook_id: str, workspace_id: str, url: str, fmt: str = "standard", now: datetime
) -> store.WebhookRow:
    """A webhook row with a validated URL and a fresh secret (``webhooks add``); the caller
    stores it with :func:`store.insert_webhook` and shows the secret once."""
    if fmt not in WEBHOOK_FORMATS:
        raise UsageError(f"unknown webhook format {fmt!r}: use standard or slack")
    return store.WebhookRow(
        id=webhook_id,
        workspace_id=workspace_id,
        url=validate_url(url),
        secret=generate_secret(),
        format=fmt,
        created_at=iso_z(now),
    )


def send_test(
    webhook: store.WebhookRow,
    *,
    message_id: str,
    at: datetime,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    attempts: int = 1,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> DeliveryResult:
    """``webhooks test``: send a ``webhook.test`` message now, outside the outbox (a ping is
    not worth retrying later)."""
    body = payloads.render_body(
        webhook.format, payloads.ping_payload(webhook.id, webhook.workspace_id, at)
    )
    return deliver(
        webhook.url,
        webhook.secret,
        message_id,
        body,
        timeout_s=timeout_s,
        attempts=attempts,
        sleep=sleep,
        now=now,
    )
