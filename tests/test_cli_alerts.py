"""``devintel alerts create/list/delete/history/apply/check`` through the real CLI (§11, §12),
with a real repository, a real HTTP receiver on 127.0.0.1 and Standard Webhooks signatures.

``alerts check`` always uses the real current time (checking "as of" the past would rewrite
alert state), so the tests move the clock with freezegun; CliRunner runs in-process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pygit2
import pytest
from dbdump import dump_database
from freezegun import freeze_time
from standardwebhooks import Webhook
from test_webhooks_delivery import Receiver

CONTRACT = Path(__file__).parents[2] / "shared" / "contract"

# the release history of `shop` (see release_repository)
INITIAL_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
V100_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
V101_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
#: the check runs the next morning: a 30-day window holds both releases
CHECK_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def add_webhook(cli, url: str) -> tuple[str, str]:
    created = json.loads(cli("webhooks", "add", url, "--json").stdout)["data"]
    return created["id"], created["secret"]


def verified(secret: str, request) -> dict:  # type: ignore[no-untyped-def]
    return Webhook(secret).verify(request.body, request.headers)


def create_rule(cli, *args: str) -> dict:
    (rule,) = cli.json("alerts", "create", *args)
    return rule


def release_repository(path: Path) -> Path:
    """``shop``: three commits on main, a release tag on the second and the third.

    Tags are lightweight, so a deployment's time is its commit's committer time (§4):
    v1.0.0 at 10:00 and v1.0.1 at 15:00 on 2026-03-02.
    """
    repo = pygit2.init_repository(str(path), initial_head="main")
    parents: list[pygit2.Oid] = []
    for message, when, content in (
        ("Initial import", INITIAL_AT, b"print('shop')\n"),
        ("Add checkout", V100_AT, b"print('shop')\nprint('checkout')\n"),
        ("Fix crash in checkout", V101_AT, b"print('shop')\nprint('checkout!')\n"),
    ):
        signature = pygit2.Signature("Ada Lovelace", "ada@example.com", int(when.timestamp()), 0)
        builder = repo.TreeBuilder()
        builder.insert("shop.py", repo.create_blob(content), pygit2.GIT_FILEMODE_BLOB)
        oid = repo.create_commit(
            "refs/heads/main", signature, signature, message, builder.write(), parents
        )
        parents = [oid]
        if when == V100_AT:
            repo.references.create("refs/tags/v1.0.0", oid)
    repo.references.create("refs/tags/v1.0.1", parents[0])
    return path


@pytest.fixture
def shop(cli, tmp_path: Path) -> str:
    """``shop`` added to the workspace; returns its repository name."""
    cli("repo", "add", str(release_repository(tmp_path / "shop")))
    (repository,) = cli.json("repo", "list")
    return repository["repository"]


# ---------------------------------------------------------------------------- create, list


def test_create_and_list_match_the_create_request_contract(cli, receiver) -> None:
    webhook_id, secret = add_webhook(cli, receiver.url)
    line = cli.json("lines", "create", "payments")[0]["id"]
    created = create_rule(
        cli,
        "--metric", "change_failure_rate", "--operator", "gt", "--threshold", "5.0",
        "--window", "7d", "--severity", "high", "--webhook", webhook_id,
        "--line", "payments", "--name", "cfr-payments", "--for", "2",
        "--repeat-interval", "12h",
    )  # fmt: skip
    assert re.fullmatch(r"ALR-\d{2}-000001", created["id"])
    assert created["condition"] == {"operator": "gt", "threshold": 5}
    assert created["actions"] == [{"type": "notify_webhook", "webhook_id": webhook_id}]
    # a line is stored by its ID: the rule resolves the same from any directory
    assert created["scope"] == {"kind": "line", "ref": line}
    assert (created["for"], created["repeat_interval"]) == (2, "12h")
    assert (created["name"], created["window"], created["severity"]) == (
        "cfr-payments",
        "7d",
        "high",
    )
    assert created["state"] is None  # not checked yet

    (listed,) = cli.json("alerts", "list")
    assert {k: v for k, v in listed.items()} == created
    schema_path = CONTRACT / "alert-create-request.schema.json"
    if not schema_path.exists():  # the contract lives beside the checkout (../shared)
        pytest.skip(f"{schema_path} not available")
    request = {
        key: listed[key]
        for key in ("workspace_id", "metric", "condition", "window", "severity", "actions")
    }
    jsonschema.validate(request, json.loads(schema_path.read_text()))

    table = cli("alerts", "list").stdout
    assert "cfr-payments" in table and "> 5" in table and f"line {line}" in table
    assert secret not in table
    # names are unique per workspace
    cli("alerts", "create", "--metric", "cycle_time", "--operator", "gt", "--threshold", "1",
        "--window", "1w", "--name", "cfr-payments", code=2)  # fmt: skip


def test_create_without_webhooks_or_name_is_a_workspace_rule(cli) -> None:
    created = create_rule(
        cli, "--metric", "cycle_time", "--operator", "gte", "--threshold", "48", "--window", "4w"
    )
    assert created["scope"] == {"kind": "workspace", "ref": None}
    assert (created["name"], created["severity"], created["actions"]) == (None, "medium", [])
    assert created["repeat_interval"] == "1d"  # the default 24h, in its largest whole unit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--metric", "cfr"), "unknown metric 'cfr'"),
        (("--operator", "ge"), "unknown operator 'ge'"),
        (("--window", "7 days"), "is not a window like 7d"),
        (("--window", "0d"), "is not a window like 7d"),
        (("--severity", "urgent"), "unknown severity 'urgent'"),
        (("--repeat-interval", "soon"), "is not an interval"),
        (("--for", "-1"), "for:"),
        (("--webhook", "WHK-26-999999"), "unknown webhook WHK-26-999999"),
        (("--webhook", "my-hook"), "actions.0.webhook_id"),
        (("--line", "nowhere"), "unknown service line 'nowhere'"),
        (("--repo", "nope/nothing"), "unknown repository 'nope/nothing'"),
        (("--line", "x", "--repo", "y"), "not both"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(
    cli, isolated_state, args: tuple[str, ...], message: str
) -> None:
    cli("init")
    before = dump_database(isolated_state / "devintel.db", volatile={})
    base = {"--metric": "change_failure_rate", "--operator": "gt", "--threshold": "5",
            "--window": "7d"}  # fmt: skip
    flags = dict(base)
    extra = list(args)
    while extra and extra[0] in base:
        flag = extra.pop(0)
        flags[flag] = extra.pop(0)
    result = cli(
        "alerts", "create", *[part for pair in flags.items() for part in pair], *extra, code=2
    )
    assert result.stdout == ""
    assert result.stderr.startswith("devintel: error: ")
    assert message in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr
    assert dump_database(isolated_state / "devintel.db", volatile={}) == before


# ---------------------------------------------------------------------------------- check


def test_check_on_an_empty_workspace_is_no_data_notified_once(cli, receiver) -> None:
    webhook_id, secret = add_webhook(cli, receiver.url)
    rule = create_rule(
        cli, "--metric", "change_failure_rate", "--operator", "gt", "--threshold", "5",
        "--window", "7d", "--webhook", webhook_id, "--name", "cfr",
    )  # fmt: skip
    with freeze_time(CHECK_AT) as clock:
        run = cli.json("alerts", "check")
        assert run["checked_at"] == "2026-03-03T09:00:00Z"
        assert run["firing"] == 0
        (checked,) = run["rules"]
        assert checked["rule_id"] == rule["id"]
        assert (checked["previous_state"], checked["state"]) == (None, "no_data")
        assert (checked["value"], checked["reason"]) == (None, "no deployments detected")
        assert checked["notified"] == "no_data"
        assert (checked["window_start"], checked["window_end"]) == (
            "2026-02-24T09:00:00Z",
            "2026-03-03T09:00:00Z",
        )
        assert [(d["message_id"], d["outcome"]) for d in run["deliveries"]] == [
            (checked["message_id"], "delivered")
        ]
        (request,) = receiver.requests
        payload = verified(secret, request)
        assert payload["type"] == "alert.no_data"
        assert payload["data"]["alert_id"] == rule["id"]
        assert payload["data"]["reason"] == "no deployments detected"

        # an hour later, still no data: inside the 24 h repeat interval nothing is sent
        clock.tick(timedelta(hours=1))
        again = cli.json("alerts", "check")
        (checked,) = again["rules"]
        assert (checked["previous_state"], checked["state"]) == ("no_data", "no_data")
        assert checked["notified"] is None and again["deliveries"] == []
        assert len(receiver.requests) == 1
        # --exit-code: no_data is not firing
        cli("alerts", "check", "--exit-code")

        # a day after the notification it is repeated, as a new message
        clock.tick(timedelta(hours=23))
        later = cli.json("alerts", "check")
        assert later["rules"][0]["notified"] == "no_data"
        assert len(receiver.requests) == 2
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 2
        verified(secret, receiver.requests[1])
    (listed,) = cli.json("alerts", "list")
    assert (listed["state"], listed["state_since"]) == ("no_data", "2026-03-03T09:00:00Z")
    history = cli.json("alerts", "history", "cfr")
    # newest first: the repeat (no_data → no_data) and the first notification
    assert [(e["from_state"], e["to_state"], e["delivery"]) for e in history] == [
        ("no_data", "no_data", "delivered"),
        (None, "no_data", "delivered"),
    ]


def test_a_rule_fires_on_real_data_and_exit_code_says_so(cli, receiver, shop) -> None:
    # Derivation (§4): deployments are the release tags, v1.0.0 at 10:00 and v1.0.1 at 15:00
    # on 2026-03-02. v1.0.1 is a patch release of v1.0.0 within 24 h, so v1.0.0 failed (the
    # hotfix rule); v1.0.1 is followed by nothing and succeeded. A 30-day window ending at
    # the check (2026-03-03 09:00) holds both: change_failure_rate = 1 failed ÷ 2 × 100 = 50 %.
    deployments = {d["name"]: d["status"] for d in cli.json("deployments", "list")}
    assert deployments == {"v1.0.0": "failed", "v1.0.1": "success"}
    webhook_id, secret = add_webhook(cli, receiver.url)
    cfr = create_rule(
        cli, "--metric", "change_failure_rate", "--operator", "gt", "--threshold", "5",
        "--window", "30d", "--severity", "high", "--webhook", webhook_id, "--name", "cfr",
    )  # fmt: skip
    # the same metric for the repository alone, against a threshold it does not cross
    repo_rule = create_rule(
        cli, "--metric", "change_failure_rate", "--operator", "gt", "--threshold", "60",
        "--window", "30d", "--webhook", webhook_id, "--repo", shop,
    )  # fmt: skip
    assert repo_rule["scope"] == {"kind": "repo", "ref": shop}

    with freeze_time(CHECK_AT) as clock:
        result = cli("alerts", "check", "--exit-code", "--format", "json", code=1)
        assert f"1 alert(s) firing: {cfr['id']} (cfr)" in result.stderr
        run = json.loads(result.stdout)["data"]
        by_rule = {r["rule_id"]: r for r in run["rules"]}
        assert run["firing"] == 1
        assert (by_rule[cfr["id"]]["state"], by_rule[cfr["id"]]["value"]) == ("firing", 50.0)
        assert by_rule[cfr["id"]]["notified"] == "firing"
        assert (by_rule[repo_rule["id"]]["state"], by_rule[repo_rule["id"]]["value"]) == (
            "ok",
            50.0,
        )
        assert by_rule[repo_rule["id"]]["notified"] is None

        (request,) = receiver.requests  # one signed POST: the firing alert only
        assert request.headers["webhook-id"] == by_rule[cfr["id"]]["message_id"]
        assert request.headers["content-type"] == "application/json"
        payload = verified(secret, request)
        assert payload["type"] == "alert.firing"
        assert payload["timestamp"] == "2026-03-03T09:00:00Z"
        data = payload["data"]
        assert (data["alert_id"], data["status"], data["value"], data["unit"]) == (
            cfr["id"], "firing", 50, "percent"
        )  # fmt: skip
        assert data["summary"] == (
            "change_failure_rate is 50% over the last 30d (> 5%) "
            f"in workspace {cfr['workspace_id']}"
        )

        # later the same day: still firing, exit 1 again, not notified again
        clock.tick(timedelta(hours=2))
        cli("alerts", "check", "--exit-code", code=1)
        assert len(receiver.requests) == 1
        cli("alerts", "check")  # without --exit-code a firing alert is exit 0
    listed = {r["id"]: r for r in cli.json("alerts", "list")}
    assert (listed[cfr["id"]]["state"], listed[cfr["id"]]["last_value"]) == ("firing", 50.0)
    assert listed[repo_rule["id"]]["state"] == "ok"
    history = cli.json("alerts", "history")
    assert [(e["rule_id"], e["to_state"], e["value"]) for e in history] == [
        (cfr["id"], "firing", 50.0)
    ]

    # long after the releases the window is empty: a ratio with no deployments is no data
    with freeze_time(CHECK_AT + timedelta(days=40)):
        for checked in cli.json("alerts", "check")["rules"]:
            assert (checked["state"], checked["notified"]) == ("no_data", "no_data")
            assert checked["reason"] == "no deployments in this period"
        # no data is notified like firing, for both rules; never silently resolved
        notified = [verified(secret, r)["data"] for r in receiver.requests[1:]]
        assert sorted((n["alert_id"], n["status"]) for n in notified) == [
            (cfr["id"], "no_data"),
            (repo_rule["id"], "no_data"),
        ]


def test_a_rule_whose_line_was_deleted_is_no_data_with_the_reason(cli) -> None:
    line = cli.json("lines", "create", "payments")[0]["id"]
    create_rule(
        cli, "--metric", "task_throughput", "--operator", "lt", "--threshold", "3",
        "--window", "2w", "--line", "payments",
    )  # fmt: skip
    cli("lines", "delete", "payments")
    (checked,) = cli.json("alerts", "check")["rules"]
    assert (checked["state"], checked["value"]) == ("no_data", None)
    assert checked["reason"] == f"unknown service line {line!r}"


def test_deleting_a_firing_rule_resolves_its_alert(cli, receiver) -> None:
    webhook_id, secret = add_webhook(cli, receiver.url)
    create_rule(
        cli, "--metric", "cycle_time", "--operator", "gt", "--threshold", "48",
        "--window", "7d", "--webhook", webhook_id, "--name", "slow",
    )  # fmt: skip
    cli("alerts", "check")  # no data: notified
    result = cli("alerts", "delete", "slow")
    assert "deleted alert rule" in result.stderr and "resolved" in result.stderr
    assert cli.json("alerts", "list") == []
    cli("alerts", "delete", "slow", code=2)
    delivered = cli.json("webhooks", "deliver")
    assert [d["outcome"] for d in delivered] == ["delivered"]
    payload = verified(secret, receiver.requests[-1])
    assert (payload["type"], payload["data"]["reason"]) == ("alert.resolved", "rule deleted")
    # history outlives the rule, and can be asked for by the deleted rule's ID
    rule_id = payload["data"]["alert_id"]
    history = cli.json("alerts", "history", rule_id)
    assert [(e["from_state"], e["to_state"], e["rule_name"]) for e in history] == [
        ("no_data", "resolved", None),
        (None, "no_data", None),
    ]


# ---------------------------------------------------------------------------------- apply

CFR_RULE = """
[[rules]]
name = "cfr-high"
metric = "change_failure_rate"
condition = {{ operator = "gt", threshold = 15 }}
window = "4w"
severity = "high"
for = 2
repeat_interval = "1d"
actions = [{{ type = "notify_webhook", webhook_id = "{webhook}" }}]
"""
SLOW_RULE = """
[[rules]]
name = "payments-slow"
metric = "cycle_time"
condition = {{ operator = "gte", threshold = {threshold} }}
window = "7d"
severity = "medium"
scope = {{ line = "payments" }}
actions = []
"""


def rule_file(path: Path, webhook: str, *, threshold: int = 72, slow: bool = True) -> Path:
    text = CFR_RULE.format(webhook=webhook)
    if slow:
        text += SLOW_RULE.format(threshold=threshold)
    path.write_text(text)
    return path


def test_apply_is_idempotent_and_prints_its_plan(cli, isolated_state, tmp_path: Path) -> None:
    webhook_id, secret = add_webhook(cli, "https://example.org/hook")
    cli("lines", "create", "payments")
    rules = rule_file(tmp_path / "rules.toml", webhook_id)
    database = isolated_state / "devintel.db"

    first = cli("alerts", "apply", str(rules))
    assert re.search(r"create\s+│\s+cfr-high\s+│\s+ALR-\d{2}-000001", first.stdout)
    assert "2 to create, 0 to update, 0 to delete, 0 unchanged" in first.stderr
    assert {r["name"]: r["scope"] for r in cli.json("alerts", "list")} == {
        "cfr-high": {"kind": "workspace", "ref": None},
        "payments-slow": {"kind": "line", "ref": "payments"},
    }

    # the same file again changes nothing, not even a timestamp
    before = dump_database(database, volatile={})
    plan = cli.json("alerts", "apply", str(rules))
    assert [(a["action"], a["name"]) for a in plan] == [
        ("unchanged", "cfr-high"),
        ("unchanged", "payments-slow"),
    ]
    assert dump_database(database, volatile={}) == before

    # a changed threshold is an update in place; --dry-run only plans it
    rule_file(rules, webhook_id, threshold=96)
    planned = cli.json("alerts", "apply", str(rules), "--dry-run")
    assert [(a["action"], a["name"], a["changes"]) for a in planned] == [
        ("update", "payments-slow", ["threshold"]),
        ("unchanged", "cfr-high", []),
    ]
    assert dump_database(database, volatile={}) == before
    ids = {r["name"]: r["id"] for r in cli.json("alerts", "list")}
    cli("alerts", "apply", str(rules))
    updated = {r["name"]: r for r in cli.json("alerts", "list")}
    assert updated["payments-slow"]["id"] == ids["payments-slow"]
    assert updated["payments-slow"]["condition"]["threshold"] == 96

    # a rule dropped from the file: kept with --no-prune, deleted by default
    rule_file(rules, webhook_id, slow=False)
    kept = cli.json("alerts", "apply", str(rules), "--no-prune")
    assert [a["action"] for a in kept] == ["unchanged"]
    assert len(cli.json("alerts", "list")) == 2
    pruned = cli.json("alerts", "apply", str(rules))
    assert [(a["action"], a["name"]) for a in pruned] == [
        ("delete", "payments-slow"),
        ("unchanged", "cfr-high"),
    ]
    assert [r["name"] for r in cli.json("alerts", "list")] == ["cfr-high"]
    assert secret not in first.stdout + first.stderr


EXTRA_RULE = """
[[rules]]
name = "extra"
metric = "code_churn"
condition = { operator = "gt", threshold = 30 }
window = "4w"
severity = "low"
actions = []
"""
#: (text in the good file, its replacement, what the error says); {webhook} is the real ID
BAD_FILES = {
    "unknown metric": ('metric = "cycle_time"', 'metric = "cfr"', "unknown metric 'cfr'"),
    "bad operator": ('operator = "gt"', 'operator = "ge"', "unknown operator 'ge'"),
    "bad window": ('window = "4w"', 'window = "4 weeks"', "'4 weeks' is not a window"),
    "unknown webhook": ("{webhook}", "WHK-00-000042", "unknown webhook WHK-00-000042"),
    "unknown line": ('line = "payments"', 'line = "billing"', "unknown service line 'billing'"),
    "not TOML": ("[[rules]]", "[[rules", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_rule_files_exit_2_and_change_nothing(
    cli, isolated_state, tmp_path: Path, case: str
) -> None:
    webhook_id, _ = add_webhook(cli, "https://example.org/hook")
    cli("lines", "create", "payments")
    rules = rule_file(tmp_path / "rules.toml", webhook_id)
    cli("alerts", "apply", str(rules))  # a valid state to keep intact
    before = dump_database(isolated_state / "devintel.db", volatile={})

    old, new, message = BAD_FILES[case]
    good = rules.read_text()
    old = old.format(webhook=webhook_id)
    assert old in good
    # a valid new rule besides the bad one: all or nothing, so it is not created either
    rules.write_text(good.replace(old, new, 1) + EXTRA_RULE)
    result = cli("alerts", "apply", str(rules), code=2)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("devintel: error: ") and message in lines[0]
    assert all(line.startswith("Tip: ") for line in lines[1:])
    assert "Traceback" not in result.stderr
    assert dump_database(isolated_state / "devintel.db", volatile={}) == before


def test_apply_json_rule_file_and_a_missing_file(cli, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "name": "churn",
                        "metric": "code_churn",
                        "condition": {"operator": "gt", "threshold": 40},
                        "window": "2w",
                        "severity": "low",
                        "actions": [],
                    }
                ]
            }
        )
    )
    assert [a["action"] for a in cli.json("alerts", "apply", str(rules))] == ["create"]
    assert [a["action"] for a in cli.json("alerts", "apply", str(rules))] == ["unchanged"]
    result = cli("alerts", "apply", str(tmp_path / "missing.toml"), code=2)
    assert "cannot read" in result.stderr
