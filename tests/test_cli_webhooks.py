"""``devintel webhooks add/list/test/delete/deliver`` through the real CLI, against a real
HTTP receiver on 127.0.0.1 (§11, §12): http(s) only, the secret shown once, signed pings,
and the outbox kept across runs until the receiver answers."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator

import pytest
from dbdump import dump_database
from standardwebhooks import Webhook
from test_webhooks_delivery import Receiver

SECRET_RE = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours *_proxy variables; the receiver must be reached directly
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def add_webhook(cli, url: str, *extra: str) -> tuple[str, str]:
    """``webhooks add`` → (WHK id, secret), read from its JSON output."""
    created = json.loads(cli("webhooks", "add", url, *extra, "--json").stdout)["data"]
    return created["id"], created["secret"]


def verified(secret: str, request) -> dict:  # type: ignore[no-untyped-def]
    """The request's JSON payload, after checking its Standard Webhooks signature."""
    return Webhook(secret).verify(request.body, request.headers)


def test_add_prints_the_secret_once_and_list_never(cli, receiver, isolated_state) -> None:
    url = f"http://hook-user:hook-pass@127.0.0.1:{receiver.port}/hook?token=t0ps3cret&team=a"
    added = cli("webhooks", "add", url)
    secrets = SECRET_RE.findall(added.stdout)
    assert len(secrets) == 1, added.stdout
    secret = secrets[0]
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert re.search(r"^id:\s+WHK-\d{2}-000001$", added.stdout, re.M)
    assert "not shown again" in added.stderr
    # credentials and secret-looking query values are never printed, not even here
    for text in (added.stdout, added.stderr):
        assert "hook-pass" not in text and "t0ps3cret" not in text
    assert f"http://127.0.0.1:{receiver.port}/hook?token=***&team=a" in added.stdout

    outputs = [
        cli("webhooks", "list"),
        cli("webhooks", "list", "--json"),
        cli("webhooks", "list", "--format", "csv"),
        cli("webhooks", "list", "--format", "markdown"),
    ]
    listed = json.loads(outputs[1].stdout)["data"]
    assert [w["url"] for w in listed] == [f"http://127.0.0.1:{receiver.port}/hook?token=***&team=a"]
    assert "secret" not in listed[0]
    assert listed[0]["format"] == "standard"
    assert (listed[0]["pending"], listed[0]["failed"]) == (0, 0)
    raw_secret = secret.removeprefix("whsec_")
    for result in outputs:
        for text in (result.stdout, result.stderr):
            assert raw_secret not in text
            assert "hook-pass" not in text and "t0ps3cret" not in text

    # the ping carries the URL's credentials as Basic auth, and verifies with the secret
    ping = cli.json("webhooks", "test", listed[0]["id"])
    assert ping[0]["ok"] is True
    (request,) = receiver.requests
    assert request.headers["authorization"] == "Basic " + base64.b64encode(
        b"hook-user:hook-pass"
    ).decode("ascii")
    assert verified(secret, request)["type"] == "webhook.test"

    # nor is it in anything the alerts commands print, whatever the format
    webhook_id = listed[0]["id"]
    rule = ("--metric", "cycle_time", "--operator", "gt", "--threshold", "48", "--window", "7d")
    more = [
        cli("alerts", "create", *rule, "--webhook", webhook_id, "--name", "slow"),
        cli("alerts", "create", *rule, "--webhook", webhook_id, "--json"),
        cli("alerts", "check"),
        cli("alerts", "check", "--json"),
        cli("alerts", "list", "--json"),
        cli("alerts", "list", "--format", "markdown"),
        cli("alerts", "history", "--format", "csv"),
        cli("webhooks", "deliver", "--json"),
        cli("webhooks", "list", "--json"),
    ]
    for result in [*outputs, *more]:
        for text in (result.stdout, result.stderr):
            assert raw_secret not in text
            assert "hook-pass" not in text and "t0ps3cret" not in text
    assert len(receiver.requests) == 3  # the ping, then no_data of each rule


def test_add_json_and_slack_format(cli, receiver) -> None:
    webhook_id, secret = add_webhook(cli, receiver.url, "--format", "slack")
    assert re.fullmatch(r"WHK-\d{2}-000001", webhook_id)
    assert SECRET_RE.fullmatch(secret)
    assert cli.json("webhooks", "list")[0]["format"] == "slack"
    cli.json("webhooks", "test", webhook_id)
    payload = verified(secret, receiver.requests[0])
    assert set(payload) == {"text", "blocks"}  # Slack's incoming-webhook shape
    # --format on `add` is the payload format; asking it for JSON output gets a tip
    result = cli("webhooks", "add", receiver.url, "--format", "json", code=2)
    assert "--json" in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "not a url",
        "127.0.0.1:8080/hook",
    ],
)
def test_add_accepts_only_http_urls(cli, isolated_state, url: str) -> None:
    cli("init")
    before = dump_database(isolated_state / "devintel.db", volatile={})
    result = cli("webhooks", "add", url, code=2)
    assert result.stdout == ""
    assert result.stderr.startswith("devintel: error: ")
    assert "Traceback" not in result.stderr
    assert dump_database(isolated_state / "devintel.db", volatile={}) == before
    # no ID was used up either: the next webhook is still number 1
    assert cli("webhooks", "add", "https://example.org/hook").stdout.count("-000001") == 1


def test_test_reports_failures_with_exit_1(cli, receiver) -> None:
    webhook_id, secret = add_webhook(cli, receiver.url)
    receiver.script.append((500, 0.0, {}))
    result = cli("webhooks", "test", webhook_id, "--json", code=1)
    report = json.loads(result.stdout)["data"][0]
    # a ping is tried once, now: it is not queued for later
    assert report["ok"] is False and report["status_code"] == 500 and report["attempts"] == 1
    assert "test failed: HTTP 500" in result.stderr
    assert secret not in result.stdout + result.stderr
    ok = cli.json("webhooks", "test", webhook_id)[0]
    assert (ok["ok"], ok["status_code"]) == (True, 200)
    assert ok["message_id"] != report["message_id"]
    assert cli.json("webhooks", "list")[0]["pending"] == 0
    cli("webhooks", "test", "WHK-26-999999", code=2)


def test_delete_refuses_a_webhook_in_use_unless_forced(cli, receiver, isolated_state) -> None:
    webhook_id, _ = add_webhook(cli, receiver.url)
    cli(
        "alerts", "create", "--metric", "cycle_time", "--operator", "gt", "--threshold", "48",
        "--window", "7d", "--webhook", webhook_id, "--name", "slow",
    )  # fmt: skip
    before = dump_database(isolated_state / "devintel.db", volatile={})
    result = cli("webhooks", "delete", webhook_id, code=2)
    assert "slow" in result.stderr and "--force" in result.stderr
    assert dump_database(isolated_state / "devintel.db", volatile={}) == before
    cli("webhooks", "delete", webhook_id, "--force")
    assert cli.json("webhooks", "list") == []
    cli("webhooks", "delete", webhook_id, code=2)
    # the rule's action now dangles: a check says so, and nothing is sent
    checked = cli("alerts", "check")
    assert f"webhook {webhook_id} no longer exists" in checked.stderr
    assert receiver.requests == []


def test_outbox_keeps_a_message_until_the_receiver_is_back(cli, monkeypatch) -> None:
    # the retries' backoff is recorded instead of slept (delivery reads time.sleep per run)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    # a receiver that is down: its port is known, nothing listens on it
    down = Receiver()
    port = down.port
    down.stop()
    webhook_id, secret = add_webhook(cli, f"http://127.0.0.1:{port}/hook")
    cli(
        "alerts", "create", "--metric", "change_failure_rate", "--operator", "gt",
        "--threshold", "5", "--window", "7d", "--webhook", webhook_id,
    )  # fmt: skip
    # empty workspace: no data, notified (queued), the delivery fails and is kept
    checked = cli.json("alerts", "check")
    (rule,) = checked["rules"]
    assert (rule["state"], rule["notified"]) == ("no_data", "no_data")
    message_id = rule["message_id"]
    assert [(d["message_id"], d["outcome"]) for d in checked["deliveries"]] == [
        (message_id, "retry")
    ]
    assert "Connection refused" in checked["deliveries"][0]["error"]
    assert checked["deliveries"][0]["attempts"] == 3 and slept == [0.5, 2.0]
    listed = cli.json("webhooks", "list")[0]
    assert (listed["pending"], listed["failed"]) == (1, 0)
    assert "Connection refused" in listed["last_error"]
    assert cli.json("alerts", "history")[0]["delivery"] == "pending"
    # still down: `webhooks deliver` reports it and exits 3 (safe to retry)
    result = cli("webhooks", "deliver", "--json", code=3)
    assert json.loads(result.stdout)["data"][0]["outcome"] == "retry"
    assert "stay in the outbox" in result.stderr

    back = Receiver(port=port)
    try:
        delivered = cli.json("webhooks", "deliver")
        assert [(d["message_id"], d["outcome"], d["status_code"]) for d in delivered] == [
            (message_id, "delivered", 200)
        ]
        (request,) = back.requests
        assert request.headers["webhook-id"] == message_id  # the same ID across retries
        payload = verified(secret, request)
        assert payload["type"] == "alert.no_data"
        assert payload["data"]["reason"] == "no deployments detected"
        # acknowledged with 2xx: never sent again
        assert cli.json("webhooks", "deliver") == []
        assert len(back.requests) == 1
        assert cli.json("webhooks", "list")[0]["pending"] == 0
        assert cli.json("alerts", "history")[0]["delivery"] == "delivered"
    finally:
        back.stop()
