"""Webhook delivery against a real HTTP receiver on 127.0.0.1: signing, retries and backoff,
timeouts, permanent failures, and the outbox across runs (§11: nothing lost, same IDs,
2xx never resent)."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from devintel_cli import __version__
from devintel_cli.alerts import delivery
from devintel_cli.alerts.delivery import deliver, deliver_outbox, redact_url, validate_url
from devintel_cli.alerts.evaluation import check_rule
from devintel_cli.alerts.signing import generate_secret
from devintel_cli.errors import UsageError
from devintel_cli.store import alerts as store
from devintel_cli.store.db import write_transaction

WS = "WS-26-000001"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver: answers from ``script`` ((status, delay_s, headers) per request,
    then 200), records every request. Delays wait on an event that ``stop`` sets, so a slow
    response never outlives the test."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, float, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status, delay, headers = (
                        receiver.script.pop(0) if receiver.script else (200, 0.0, {})
                    )
                if delay:
                    receiver.released.wait(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a timed-out client hung up: fine
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests]

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours *_proxy variables; the receiver must be reached directly
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def free_port() -> int:
    """A port nothing listens on (a receiver that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sleeps(list):
    """Injected ``sleep``: records the backoff instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


SECRET = generate_secret()
BODY = b'{"type":"alert.firing","timestamp":"2026-03-07T09:00:00Z","data":{"value":18.2}}'


# ----------------------------------------------------------------------------- deliver()


def test_signed_post_verified_by_standardwebhooks(receiver: Receiver) -> None:
    result = deliver(receiver.url, SECRET, "msg_one", BODY, sleep=Sleeps())
    assert result == delivery.DeliveryResult(True, 200, 1, None)
    [request] = receiver.requests
    assert request.body == BODY and request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"devintel/{__version__}"
    assert request.headers["webhook-id"] == "msg_one"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    assert Webhook(SECRET).verify(request.body, request.headers)["data"] == {"value": 18.2}


def test_500_then_200_is_retried_after_the_first_backoff(receiver: Receiver) -> None:
    receiver.script = [(500, 0, {})]
    sleeps = Sleeps()
    result = deliver(receiver.url, SECRET, "msg_two", BODY, sleep=sleeps)
    assert (result.ok, result.status_code, result.attempts) == (True, 200, 2)
    assert sleeps == [0.5]
    # both tries carry the same ID and a valid signature of their own timestamp
    assert receiver.ids == ["msg_two", "msg_two"]
    for request in receiver.requests:
        Webhook(SECRET).verify(request.body, request.headers)


def test_retries_are_bounded(receiver: Receiver) -> None:
    receiver.script = [(503, 0, {})] * 5
    sleeps = Sleeps()
    result = deliver(receiver.url, SECRET, "msg_x", BODY, sleep=sleeps)
    # 3 attempts, backoff 0.5 then 2.0 between them, nothing after the last
    assert (result.ok, result.attempts, result.retryable) == (False, 3, True)
    assert result.error == "HTTP 503 Service Unavailable"
    assert sleeps == [0.5, 2.0] and len(receiver.requests) == 3
    longer = Sleeps()
    receiver.script = [(500, 0, {})] * 5
    deliver(receiver.url, SECRET, "msg_y", BODY, attempts=4, sleep=longer)
    assert longer == [0.5, 2.0, 2.0]  # the last backoff value repeats


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_other_4xx_are_permanent_no_retry(receiver: Receiver, status: int) -> None:
    receiver.script = [(status, 0, {})]
    sleeps = Sleeps()
    result = deliver(receiver.url, SECRET, "msg_x", BODY, sleep=sleeps)
    assert (result.ok, result.status_code, result.attempts, result.retryable) == (
        False,
        status,
        1,
        False,
    )
    assert sleeps == [] and len(receiver.requests) == 1


def test_408_and_429_are_retried_and_retry_after_is_honoured_up_to_a_cap(
    receiver: Receiver,
) -> None:
    receiver.script = [(429, 0, {"Retry-After": "7"}), (408, 0, {})]
    sleeps = Sleeps()
    assert deliver(receiver.url, SECRET, "msg_x", BODY, sleep=sleeps).attempts == 3
    # 429 asked for 7 s (more than the 0.5 s backoff); 408 uses the second backoff, 2.0
    assert sleeps == [7.0, 2.0]
    receiver.script = [(429, 0, {"Retry-After": "3600"})]
    capped = Sleeps()
    deliver(receiver.url, SECRET, "msg_y", BODY, sleep=capped)
    assert capped == [delivery.MAX_RETRY_AFTER_S]


def test_receiver_down_fails_after_bounded_retries() -> None:
    sleeps = Sleeps()
    result = deliver(f"http://127.0.0.1:{free_port()}/hook", SECRET, "msg_x", BODY, sleep=sleeps)
    assert (result.ok, result.status_code, result.attempts, result.retryable) == (
        False,
        None,
        3,
        True,
    )
    assert result.error.startswith("connection failed: ")
    assert sleeps == [0.5, 2.0]


def test_slow_receiver_hits_the_timeout(receiver: Receiver) -> None:
    receiver.script = [(200, 5.0, {}), (200, 5.0, {})]
    sleeps = Sleeps()
    started = time.monotonic()
    result = deliver(receiver.url, SECRET, "msg_x", BODY, timeout_s=0.2, attempts=2, sleep=sleeps)
    elapsed = time.monotonic() - started
    assert (result.ok, result.attempts, result.error) == (
        False,
        2,
        "no response within 0.2 s",
    )
    assert sleeps == [0.5] and elapsed < 2.0  # two 0.2 s timeouts, not two 5 s waits


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.script = [(302, 0, {"Location": "/elsewhere"})]
    result = deliver(receiver.url, SECRET, "msg_x", BODY, sleep=Sleeps())
    assert (result.ok, result.status_code, result.retryable) == (False, 302, False)
    assert "redirects are not followed" in result.error
    assert [r.path for r in receiver.requests] == ["/hook"]  # no GET to /elsewhere


def test_credentials_in_url_become_basic_auth_and_never_reach_errors(
    receiver: Receiver,
) -> None:
    url = f"http://alice:s3cr%40t@127.0.0.1:{receiver.port}/hook"
    assert deliver(url, SECRET, "msg_x", BODY, sleep=Sleeps()).ok
    # base64("alice:s3cr@t") = YWxpY2U6czNjckB0
    assert receiver.requests[0].headers["authorization"] == "Basic YWxpY2U6czNjckB0"
    down = f"http://alice:s3cr%40t@127.0.0.1:{free_port()}/hook"
    result = deliver(down, SECRET, "msg_x", BODY, sleep=Sleeps(), attempts=1)
    assert "s3cr" not in result.error and SECRET not in result.error


def test_validate_url() -> None:
    assert validate_url(" https://example.com/hook ") == "https://example.com/hook"
    assert validate_url("http://user:pw@127.0.0.1:8080/x?y=1")
    for bad, words in [
        ("ftp://example.com/x", "must be http or https, not 'ftp'"),
        ("file:///etc/passwd", "must be http or https, not 'file'"),
        ("javascript:alert(1)", "must be http or https"),
        ("example.com/hook", "must be http or https, not 'missing'"),
        ("https:///nohost", "has no host"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https://exa mple.com/", "whitespace"),
        ("ftp://bob:hunter2@example.com/", "ftp://example.com/"),
    ]:
        with pytest.raises(UsageError) as info:
            validate_url(bad)
        assert words in info.value.message and "hunter2" not in info.value.message
    with pytest.raises(UsageError):
        deliver("ftp://example.com/x", SECRET, "msg_x", BODY)


def test_redact_url() -> None:
    assert redact_url("https://user:pw@example.com:8443/h?token=abc&x=1#frag") == (
        "https://example.com:8443/h?token=***&x=1"
    )
    assert redact_url("https://hooks.slack.com/services/T000/B000/XXXXSECRET") == (
        "https://hooks.slack.com/services/T000/B000/***"
    )
    assert redact_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
    assert redact_url("https://[::1]:9000/x") == "https://[::1]:9000/x"
    assert redact_url("https://example.com:notaport/") == "<invalid URL>"


# -------------------------------------------------------------------------------- outbox


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    with write_transaction(db):
        for statement in store.ALERTS_DDL.split(";"):
            if statement.strip():
                db.execute(statement)
    yield db
    db.close()


def add_webhook(
    conn: sqlite3.Connection, url: str, wid: str = "WHK-26-000001", fmt: str = "standard"
) -> store.WebhookRow:
    row = delivery.new_webhook(
        webhook_id=wid, workspace_id=WS, url=url, fmt=fmt, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    with write_transaction(conn):
        store.insert_webhook(conn, row)
    return row


def fire_rules(
    conn: sqlite3.Connection, count: int, wid: str = "WHK-26-000001", now: datetime | None = None
) -> list[str]:
    """``count`` rules that fire now: one notification (message) each."""
    now = now or datetime.now(UTC)
    ids = []
    for n in range(1, count + 1):
        rule = store.AlertRuleRow(
            f"ALR-26-{n:06d}",
            WS,
            f"rule-{n}",
            "change_failure_rate",
            "gt",
            15.0,
            "4w",
            "high",
            "workspace",
            None,
            0,
            86400,
            ({"type": "notify_webhook", "webhook_id": wid},),
            "2026-03-01T00:00:00Z",
            "2026-03-01T00:00:00Z",
        )
        with write_transaction(conn):
            store.insert_rule(conn, rule)
        ids.append(check_rule(conn, rule, 20.0 + n, now).message_id)
    return ids


def test_receiver_down_then_a_later_run_delivers_exactly_the_outbox(
    conn: sqlite3.Connection,
) -> None:
    port = free_port()
    add_webhook(conn, f"http://127.0.0.1:{port}/hook")
    ids = fire_rules(conn, 3)

    sleeps = Sleeps()
    first = deliver_outbox(conn, sleep=sleeps)
    # the first message is tried 3 times; after that the webhook counts as down for this
    # run, so the other two wait without costing more timeouts
    assert [o.outcome for o in first.outcomes] == ["retry", "skipped", "skipped"]
    assert sleeps == [0.5, 2.0] and first.undelivered == 3 and not first.ok
    pending = store.list_outbox(conn, status="pending")
    assert [m.message_id for m in pending] == ids
    assert [m.attempts for m in pending] == [3, 0, 0]
    assert pending[0].last_error.startswith("connection failed")

    up = Receiver(port=port)
    try:
        second = deliver_outbox(conn, sleep=Sleeps())
        assert second.delivered == 3 and second.ok
        assert up.ids == ids  # exactly the outbox, same IDs, oldest first
        stored = {m.message_id: m.body for m in store.list_outbox(conn)}
        secret = store.get_webhook(conn, "WHK-26-000001").secret
        for request in up.requests:
            assert request.body == stored[request.headers["webhook-id"]]
            Webhook(secret).verify(request.body, request.headers)
        # acknowledged with 2xx: never sent again, whatever runs next
        assert deliver_outbox(conn, sleep=Sleeps()).outcomes == ()
        assert len(up.requests) == 3
        assert {m.status for m in store.list_outbox(conn)} == {"delivered"}
    finally:
        up.stop()


def test_500_then_200_in_one_run(conn: sqlite3.Connection, receiver: Receiver) -> None:
    add_webhook(conn, receiver.url)
    [mid] = fire_rules(conn, 1)
    receiver.script = [(500, 0, {})]
    run = deliver_outbox(conn, sleep=Sleeps())
    assert [(o.outcome, o.attempts, o.status_code) for o in run.outcomes] == [
        ("delivered", 2, 200),
    ]
    row = store.get_message(conn, mid, "WHK-26-000001")
    assert (row.status, row.attempts, row.last_status, row.last_error) == (
        "delivered",
        2,
        200,
        None,
    )


def test_permanent_failure_is_kept_retried_then_given_up_and_requeueable(
    conn: sqlite3.Connection,
    receiver: Receiver,
) -> None:
    add_webhook(conn, receiver.url)
    created = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    [mid] = fire_rules(conn, 1, now=created)
    t = created.timestamp()
    receiver.script = [(404, 0, {})] * 2

    run = deliver_outbox(conn, sleep=Sleeps(), now=lambda: t + 60)
    assert [(o.outcome, o.attempts, o.status_code) for o in run.outcomes] == [
        ("retry", 1, 404),  # no retry in this run, but kept for the next
    ]
    # 72 h later it still fails: given up, kept as failed with its error
    run = deliver_outbox(conn, sleep=Sleeps(), now=lambda: t + 72 * 3600)
    assert [o.outcome for o in run.outcomes] == ["failed"]
    row = store.get_message(conn, mid, "WHK-26-000001")
    assert (row.status, row.attempts, row.last_status, row.last_error) == (
        "failed",
        2,
        404,
        "HTTP 404 Not Found",
    )
    assert deliver_outbox(conn, sleep=Sleeps(), now=lambda: t + 73 * 3600).outcomes == ()
    with write_transaction(conn):
        assert store.requeue_failed(conn, created + timedelta(hours=73)) == 1
    run = deliver_outbox(conn, sleep=Sleeps(), now=lambda: t + 73 * 3600)
    assert [o.outcome for o in run.outcomes] == ["delivered"]
    assert receiver.ids == [mid, mid, mid]


def test_never_given_up_without_a_try(conn: sqlite3.Connection, receiver: Receiver) -> None:
    # a message queued long ago while no run happened is still sent (and delivered)
    add_webhook(conn, receiver.url)
    [mid] = fire_rules(conn, 1, now=datetime.now(UTC) - timedelta(days=10))
    assert [o.outcome for o in deliver_outbox(conn, sleep=Sleeps()).outcomes] == ["delivered"]
    assert receiver.ids == [mid]


def test_a_run_that_dies_after_sending_is_redelivered_with_the_same_id(
    conn: sqlite3.Connection,
    receiver: Receiver,
) -> None:
    webhook = add_webhook(conn, receiver.url)
    [mid] = fire_rules(conn, 1)
    [message] = store.due(conn, datetime.now(UTC))
    # a run claims and sends, then dies before recording the 2xx
    start = datetime.now(UTC)
    with write_transaction(conn):
        assert store.claim(
            conn, mid, webhook.id, token="dead", now=start, until=start + timedelta(minutes=2)
        )
    assert deliver(webhook.url, webhook.secret, mid, message.body, sleep=Sleeps()).ok
    # while its lease lasts nobody else sends it
    assert deliver_outbox(conn, sleep=Sleeps()).outcomes == ()
    # after the lease the message is sent again, under the same ID: at-least-once, and the
    # receiver can drop the duplicate by webhook-id
    later = time.time() + 180
    run = deliver_outbox(conn, sleep=Sleeps(), now=lambda: later)
    assert [o.outcome for o in run.outcomes] == ["delivered"]
    assert receiver.ids == [mid, mid]
    assert receiver.requests[0].body == receiver.requests[1].body


def test_messages_of_a_deleted_webhook_fail_visibly(conn: sqlite3.Connection) -> None:
    add_webhook(conn, "http://127.0.0.1:9/hook")
    [mid] = fire_rules(conn, 1)
    with write_transaction(conn):
        store.delete_webhook(conn, "WHK-26-000001", WS)
    run = deliver_outbox(conn, sleep=Sleeps())
    assert [(o.outcome, o.error) for o in run.outcomes] == [
        ("failed", "webhook no longer exists"),
    ]
    assert store.get_message(conn, mid, "WHK-26-000001").status == "failed"


def test_slack_webhook_receives_the_slack_body(
    conn: sqlite3.Connection, receiver: Receiver
) -> None:
    add_webhook(conn, receiver.url, fmt="slack")
    fire_rules(conn, 1)
    deliver_outbox(conn, sleep=Sleeps())
    body = json.loads(receiver.requests[0].body)
    assert set(body) == {"text", "blocks"} and "FIRING" in body["text"]


def test_one_broken_webhook_does_not_hold_up_another(
    conn: sqlite3.Connection, receiver: Receiver
) -> None:
    add_webhook(conn, f"http://127.0.0.1:{free_port()}/down", wid="WHK-26-000001")
    add_webhook(conn, receiver.url, wid="WHK-26-000002")
    down_ids = fire_rules(conn, 2, wid="WHK-26-000001")
    rule = store.AlertRuleRow(
        "ALR-26-000099",
        WS,
        "up",
        "cycle_time",
        "gt",
        1.0,
        "7d",
        "low",
        "workspace",
        None,
        0,
        86400,
        ({"type": "notify_webhook", "webhook_id": "WHK-26-000002"},),
        "t",
        "t",
    )
    with write_transaction(conn):
        store.insert_rule(conn, rule)
    up_id = check_rule(conn, rule, 5.0, datetime.now(UTC)).message_id
    run = deliver_outbox(conn, sleep=Sleeps())
    assert [(o.message_id, o.outcome) for o in run.outcomes] == [
        (down_ids[0], "retry"),
        (down_ids[1], "skipped"),
        (up_id, "delivered"),
    ]
    assert receiver.ids == [up_id]


def test_new_webhook_and_ping(receiver: Receiver) -> None:
    with pytest.raises(UsageError, match="unknown webhook format 'teams'"):
        delivery.new_webhook(
            webhook_id="WHK-26-000001",
            workspace_id=WS,
            url=receiver.url,
            fmt="teams",
            now=datetime.now(UTC),
        )
    row = delivery.new_webhook(
        webhook_id="WHK-26-000001", workspace_id=WS, url=receiver.url, now=datetime.now(UTC)
    )
    assert row.secret.startswith("whsec_") and row.format == "standard"
    result = delivery.send_test(row, message_id="msg_ping", at=datetime.now(UTC))
    assert result.ok
    assert (
        Webhook(row.secret).verify(receiver.requests[0].body, receiver.requests[0].headers)["type"]
        == "webhook.test"
    )


def test_logs_and_results_never_carry_secrets(
    conn: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    row = add_webhook(conn, f"https://bob:hunter2@127.0.0.1:{port}/hook?token=t0k3n")
    fire_rules(conn, 1)
    with caplog.at_level("DEBUG", logger="devintel_cli.alerts.delivery"):
        run = deliver_outbox(conn, sleep=Sleeps())
    texts = [
        caplog.text,
        *(o.error or "" for o in run.outcomes),
        *(m.last_error or "" for m in store.list_outbox(conn)),
    ]
    assert caplog.records  # each failed try is logged (at debug level)
    for text in texts:
        for secret in ("hunter2", "t0k3n", row.secret, row.secret.removeprefix("whsec_")):
            assert secret not in text
