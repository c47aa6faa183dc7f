"""Alert rules: the create-request contract, rule files (TOML/JSON) and their errors, and
idempotent ``alerts apply``."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from devintel_cli.alerts.evaluation import check_rule
from devintel_cli.alerts.rules import (
    AlertCreateRequest,
    RuleSpec,
    apply_rules,
    create_rule,
    delete_rule,
    format_duration,
    load_rule_file,
    plan_apply,
)
from devintel_cli.errors import ConflictError, InputFileError, NotFoundError
from devintel_cli.store import alerts as store
from devintel_cli.store.db import write_transaction

WS = "WS-26-000001"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SCHEMA_PATH = Path("/work/shared/contract/alert-create-request.schema.json")

RULES_TOML = """
[[rules]]
name = "cfr-high"
metric = "change_failure_rate"
condition = { operator = "gt", threshold = 15 }
window = "4w"
severity = "high"
for = 2
actions = [{ type = "notify_webhook", webhook_id = "WHK-26-000001" }]

[[rules]]
name = "slow-cycle"
metric = "cycle_time"
condition = { operator = "gte", threshold = 72.5 }
window = "7d"
severity = "medium"
scope = { line = "LIN-26-000001" }
repeat_interval = "12h"
actions = []
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the models


def test_toml_rule_file(tmp_path: Path) -> None:
    cfr, cycle = load_rule_file(write(tmp_path, "rules.toml", RULES_TOML))
    assert (cfr.name, cfr.metric, cfr.condition.operator, cfr.condition.threshold) == (
        "cfr-high",
        "change_failure_rate",
        "gt",
        15.0,
    )
    assert (cfr.window_delta, cfr.for_checks, cfr.repeat_interval_s) == (
        timedelta(weeks=4),
        2,
        86400,  # repeat_interval defaults to 24 h
    )
    assert (cfr.scope_kind, cfr.scope_ref) == ("workspace", None)
    assert (cycle.scope_kind, cycle.scope_ref, cycle.repeat_interval_s) == (
        "line",
        "LIN-26-000001",
        12 * 3600,
    )
    assert cycle.window_delta == timedelta(days=7) and cycle.actions == []


def test_json_rule_files_list_or_object(tmp_path: Path) -> None:
    rule = {
        "name": "cov",
        "metric": "test_coverage",
        "condition": {"operator": "lt", "threshold": 60},
        "window": "12h",
        "severity": "low",
        "scope": {"repo": "psf/requests"},
        "actions": [{"type": "notify_webhook", "webhook_id": "WHK-26-000002"}],
    }
    as_list = load_rule_file(write(tmp_path, "a.json", json.dumps([rule])))
    as_object = load_rule_file(write(tmp_path, "b.JSON", json.dumps({"rules": [rule]})))
    assert as_list == as_object
    assert as_list[0].window_delta == timedelta(hours=12)
    assert as_list[0].scope_kind == "repo"


def test_rule_spec_round_trips_through_a_row() -> None:
    [spec, _] = _specs()
    row = spec.to_row(rule_id="ALR-26-000001", workspace_id=WS, created_at="x", updated_at="x")
    assert RuleSpec.from_row(row) == spec


def _specs() -> list[RuleSpec]:
    import tomllib

    from devintel_cli.alerts.rules import parse_rules

    return parse_rules(tomllib.loads(RULES_TOML), source="rules.toml")


def test_format_duration_uses_the_largest_whole_unit() -> None:
    assert [format_duration(s) for s in (86400, 5400, 1209600, 3600, 90)] == [
        "1d",
        "90m",
        "2w",
        "1h",
        "90s",
    ]


def test_create_request_agrees_with_the_contract_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    good = {
        "workspace_id": WS,
        "metric": "cycle_time",
        "condition": {"operator": "gt", "threshold": 48},
        "window": "7d",
        "severity": "critical",
        "actions": [{"type": "notify_webhook", "webhook_id": "WHK-26-000001"}],
    }
    jsonschema.validate(good, schema)
    AlertCreateRequest.model_validate(good)
    bad_variants = [
        {**good, "metric": "lines_of_code"},
        {**good, "condition": {"operator": "ge", "threshold": 48}},
        {**good, "condition": {"operator": "gt", "threshold": "48"}},
        {**good, "window": "7 days"},
        {**good, "window": "7m"},
        {**good, "severity": "urgent"},
        {**good, "workspace_id": "WS-1"},
        {**good, "actions": [{"type": "email", "webhook_id": "WHK-26-000001"}]},
        {**good, "actions": [{"type": "notify_webhook", "webhook_id": "WHK-1"}]},
        {k: v for k, v in good.items() if k != "actions"},
    ]
    for bad in bad_variants:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
            AlertCreateRequest.model_validate(bad)


# ----------------------------------------------------------------------- bad rule files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            RULES_TOML.replace('"change_failure_rate"', '"cfr"'),
            "rule 'cfr-high' (#1): metric: unknown metric 'cfr'; expected one of "
            "deployment_frequency, cycle_time",
        ),
        (
            RULES_TOML.replace('operator = "gt"', 'operator = "ge"'),
            "rule 'cfr-high' (#1): condition.operator: unknown operator 'ge'; "
            "expected gt, gte, lt or lte",
        ),
        (
            RULES_TOML.replace('window = "4w"', 'window = "4 weeks"'),
            "rule 'cfr-high' (#1): window: '4 weeks' is not a window like 7d, 4w or 12h",
        ),
        (
            RULES_TOML.replace('window = "4w"', 'window = "0d"'),
            "rule 'cfr-high' (#1): window: '0d' is not a window like 7d, 4w or 12h",
        ),
        (
            RULES_TOML.replace('severity = "high"', 'severity = "urgent"'),
            "rule 'cfr-high' (#1): severity: unknown severity 'urgent'",
        ),
        (
            RULES_TOML.replace("threshold = 15 }", 'threshold = "15" }'),
            "rule 'cfr-high' (#1): condition.threshold: Input should be a valid number",
        ),
        (
            RULES_TOML.replace("threshold = 15 }", "treshold = 15 }"),
            "rule 'cfr-high' (#1): condition.threshold: required; "
            "rule 'cfr-high' (#1): condition.treshold: unknown field",
        ),
        (
            RULES_TOML.replace('window = "4w"', 'windw = "4w"'),
            "rule 'cfr-high' (#1): window: required; "
            "rule 'cfr-high' (#1): windw: unknown field (did you mean 'window'?)",
        ),
        (
            RULES_TOML.replace("for = 2", "for = -1"),
            "rule 'cfr-high' (#1): for: Input should be greater than or equal to 0",
        ),
        (
            RULES_TOML.replace('repeat_interval = "12h"', 'repeat_interval = "soon"'),
            "rule 'slow-cycle' (#2): repeat_interval: 'soon' is not an interval like 30m",
        ),
        (
            RULES_TOML.replace(
                'scope = { line = "LIN-26-000001" }', 'scope = { line = "L", repo = "a/b" }'
            ),
            "rule 'slow-cycle' (#2): scope: give exactly one of line or repo",
        ),
        (
            RULES_TOML.replace('webhook_id = "WHK-26-000001"', 'webhook_id = "hook1"'),
            "rule 'cfr-high' (#1): actions.0.webhook_id: String should match pattern",
        ),
        (RULES_TOML.replace('name = "cfr-high"\n', ""), "rule #1: name: required in a rule file"),
        (
            RULES_TOML.replace('name = "slow-cycle"', 'name = "cfr-high"'),
            "rule 'cfr-high' (#2): name: duplicate of rule #1",
        ),
        ("[[rules]\nname = 1", "not valid TOML: "),
        ("title = 'x'", "unknown top-level key 'title'"),
        ("", "no rules: expected [[rules]] tables"),
    ],
)
def test_bad_toml_files_name_the_rule_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "rules.toml", text)
    with pytest.raises(InputFileError) as info:
        load_rule_file(path)
    assert info.value.message.startswith(f"{path}: ")
    assert expected in info.value.message
    assert info.value.exit_code == 2


def test_bad_json_and_paths(tmp_path: Path) -> None:
    cases = [
        (write(tmp_path, "a.json", '{"rules": [1]}'), "rule #1: expected a table of fields"),
        (write(tmp_path, "b.json", '{"rules": {"name": "x"}}'), "rules must be a list"),
        (write(tmp_path, "c.json", '{"rules": [}'), "not valid JSON: Expecting value (line 1"),
        (write(tmp_path, "rules.yaml", "rules: []"), "unknown rule file type '.yaml'"),
        (tmp_path / "missing.toml", "cannot read"),
    ]
    for path, expected in cases:
        with pytest.raises(InputFileError) as info:
            load_rule_file(path)
        assert expected in info.value.message, info.value.message
    (tmp_path / "latin1.toml").write_bytes(b"name = '\xe9'")
    with pytest.raises(InputFileError, match="not UTF-8"):
        load_rule_file(tmp_path / "latin1.toml")


def test_many_errors_are_summarised(tmp_path: Path) -> None:
    rules = [{"name": f"r{i}"} for i in range(3)]  # each lacks 5 required fields
    with pytest.raises(InputFileError) as info:
        load_rule_file(write(tmp_path, "r.json", json.dumps(rules)))
    # 3 rules × 5 missing fields = 15 problems: 5 shown, "(and 10 more)"
    assert info.value.message.endswith("(and 10 more)")
    assert info.value.message.count("required") == 5


# ------------------------------------------------------------------------------ planning


def rows_for(specs: list[RuleSpec]) -> list[store.AlertRuleRow]:
    return [
        spec.to_row(rule_id=f"ALR-26-{i:06d}", workspace_id=WS, created_at="t", updated_at="t")
        for i, spec in enumerate(specs, start=1)
    ]


def test_plan_apply_is_pure_and_idempotent() -> None:
    specs = _specs()
    first = plan_apply([], specs)
    assert (len(first.create), first.update, first.delete, first.unchanged) == (2, (), (), ())
    existing = rows_for(specs)
    second = plan_apply(existing, specs)
    assert not second.changed and second.unchanged == tuple(existing)


def test_plan_apply_updates_deletes_and_leaves_unnamed_rules_alone() -> None:
    cfr, cycle = _specs()
    unnamed = cfr.model_copy(update={"name": None}).to_row(
        rule_id="ALR-26-000009", workspace_id=WS, created_at="t", updated_at="t"
    )
    existing = [*rows_for([cfr, cycle]), unnamed]
    # same rule with threshold 15 → 15.0 is unchanged; window 4w → 28d is a change of text
    same = cfr.model_copy(
        update={"condition": cfr.condition.model_copy(update={"threshold": 15.0})}
    )
    moved = cfr.model_copy(update={"window": "28d"})
    assert not plan_apply(existing, [same, cycle]).changed
    plan = plan_apply(existing, [moved])
    assert [u.changes for u in plan.update] == [("window",)]
    assert [r.name for r in plan.delete] == ["slow-cycle"]  # the unnamed rule is not deleted
    assert plan_apply(existing, [moved], prune=False).delete == ()


def test_plan_apply_refuses_ambiguous_names() -> None:
    [cfr, _] = _specs()
    twice = rows_for([cfr, cfr])
    with pytest.raises(ConflictError):
        plan_apply(twice, [cfr])


# ------------------------------------------------------------------------ apply in the DB


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = ON")
    with write_transaction(db):
        for statement in store.ALERTS_DDL.split(";"):
            if statement.strip():
                db.execute(statement)
        store.insert_webhook(
            db,
            store.WebhookRow(
                "WHK-26-000001",
                WS,
                "http://127.0.0.1:9/h",
                "whsec_c2VjcmV0c2VjcmV0c2VjcmV0",
                "standard",
                "2026-03-01T00:00:00Z",
            ),
        )
    yield db
    db.close()


def ids(prefix: str):
    counter = iter(range(1, 1000))
    return lambda: f"{prefix}{next(counter):06d}"


def dump(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM alert_rules ORDER BY id")]


def test_apply_twice_changes_nothing(conn: sqlite3.Connection, tmp_path: Path) -> None:
    specs = load_rule_file(write(tmp_path, "rules.toml", RULES_TOML))
    new_id = ids("ALR-26-")
    first = apply_rules(conn, WS, specs, new_rule_id=new_id, now=NOW)
    assert [r.id for r in first.created] == ["ALR-26-000001", "ALR-26-000002"]
    before = dump(conn)
    second = apply_rules(conn, WS, specs, new_rule_id=new_id, now=NOW + timedelta(hours=1))
    assert not second.plan.changed and second.created == () and second.updated == ()
    assert dump(conn) == before  # not even updated_at moved


def test_apply_updates_in_place_and_prunes(conn: sqlite3.Connection, tmp_path: Path) -> None:
    specs = load_rule_file(write(tmp_path, "rules.toml", RULES_TOML))
    apply_rules(conn, WS, specs, new_rule_id=ids("ALR-26-"), now=NOW)
    edited = RULES_TOML.replace("threshold = 15 }", "threshold = 20 }")
    edited = edited[: edited.index('[[rules]]\nname = "slow-cycle"')]
    result = apply_rules(
        conn,
        WS,
        load_rule_file(write(tmp_path, "rules.toml", edited)),
        new_rule_id=ids("ALR-26-9"),
        now=NOW + timedelta(days=1),
    )
    assert [u.changes for u in result.plan.update] == [("threshold",)]
    [row] = store.list_rules(conn, WS)
    # same ID, same created_at, new threshold and updated_at
    assert (row.id, row.threshold, row.created_at, row.updated_at) == (
        "ALR-26-000001",
        20.0,
        "2026-03-01T09:00:00Z",
        "2026-03-02T09:00:00Z",
    )


def test_apply_with_unknown_webhook_writes_nothing(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    text = RULES_TOML.replace("WHK-26-000001", "WHK-26-000042")
    with pytest.raises(NotFoundError, match="rule 'cfr-high': unknown webhook WHK-26-000042"):
        apply_rules(
            conn,
            WS,
            load_rule_file(write(tmp_path, "r.toml", text)),
            new_rule_id=ids("ALR-26-"),
            now=NOW,
        )
    assert dump(conn) == []


def test_dry_run_plans_without_writing(conn: sqlite3.Connection, tmp_path: Path) -> None:
    specs = load_rule_file(write(tmp_path, "rules.toml", RULES_TOML))
    result = apply_rules(conn, WS, specs, new_rule_id=ids("ALR-26-"), now=NOW, dry_run=True)
    assert len(result.plan.create) == 2 and dump(conn) == []


def test_deleting_a_firing_rule_resolves_its_alert(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    specs = load_rule_file(write(tmp_path, "rules.toml", RULES_TOML))
    applied = apply_rules(conn, WS, specs[:1], new_rule_id=ids("ALR-26-"), now=NOW)
    rule = applied.created[0]
    msg = ids("msg_")
    for day in range(3):  # for: 2 → fires on the third breaching check
        check_rule(conn, rule, 30.0, NOW + timedelta(days=day), new_message_id=msg)
    apply_rules(
        conn, WS, [], new_rule_id=ids("ALR-26-9"), now=NOW + timedelta(days=3), new_message_id=msg
    )
    assert store.list_rules(conn, WS) == [] and store.list_states(conn) == []
    bodies = [json.loads(m.body) for m in store.list_outbox(conn)]
    assert [(b["type"], b["data"]["reason"]) for b in bodies] == [
        ("alert.firing", None),
        ("alert.resolved", "rule deleted"),
    ]
    # history survives the rule
    assert [(e.from_state, e.to_state) for e in store.list_events(conn, WS)][:2] == [
        ("firing", "resolved"),
        ("pending", "firing"),
    ]


def test_create_and_delete_single_rules(conn: sqlite3.Connection) -> None:
    [cfr, _] = _specs()
    row = create_rule(conn, WS, cfr, new_rule_id=ids("ALR-26-"), now=NOW)
    with pytest.raises(ConflictError):
        create_rule(conn, WS, cfr, new_rule_id=ids("ALR-26-5"), now=NOW)
    assert delete_rule(conn, WS, "cfr-high", now=NOW) == row
    with pytest.raises(NotFoundError):
        delete_rule(conn, WS, row.id, now=NOW)
