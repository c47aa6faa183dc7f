"""Notification bodies: the Standard Webhooks payload and the Slack variant."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from devintel_cli.alerts.payload import (
    build_payload,
    encode,
    ping_payload,
    render_body,
    slack_payload,
)
from devintel_cli.store.alerts import AlertRuleRow

RULE = AlertRuleRow(
    id="ALR-26-000007",
    workspace_id="WS-26-000001",
    name="cfr-payments",
    metric="change_failure_rate",
    operator="gt",
    threshold=15.0,
    window="4w",
    severity="high",
    scope_kind="line",
    scope_ref="LIN-26-000002",
    for_checks=2,
    repeat_interval_s=86400,
    actions=({"type": "notify_webhook", "webhook_id": "WHK-26-000001"},),
    created_at="2026-03-01T00:00:00Z",
    updated_at="2026-03-01T00:00:00Z",
)
AT = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)


def test_firing_payload() -> None:
    payload = build_payload(
        RULE, fingerprint="0123456789abcdef", status="firing", value=18.249, at=AT, started_at=AT
    )
    assert payload == {
        "type": "alert.firing",
        "timestamp": "2026-03-07T09:00:00Z",
        "data": {
            "alert_id": "ALR-26-000007",
            "fingerprint": "0123456789abcdef",
            "status": "firing",
            "metric": "change_failure_rate",
            "value": 18.2,  # 18.249 to 1 decimal (§12)
            "unit": "percent",
            "window": "4w",
            "condition": {"operator": "gt", "threshold": 15},  # 15.0 shown as 15
            "severity": "high",
            "scope": {"kind": "line", "ref": "LIN-26-000002"},
            "workspace_id": "WS-26-000001",
            "started_at": "2026-03-07T09:00:00Z",
            "ended_at": None,
            "reason": None,
            "rule": {
                "id": "ALR-26-000007",
                "name": "cfr-payments",
                "metric": "change_failure_rate",
                "condition": {"operator": "gt", "threshold": 15},
                "window": "4w",
                "severity": "high",
                "scope": {"kind": "line", "ref": "LIN-26-000002"},
                "for": 2,
                "repeat_interval": "1d",  # 86400 s in its largest whole unit
                "actions": [{"type": "notify_webhook", "webhook_id": "WHK-26-000001"}],
            },
            "summary": "change_failure_rate is 18.2% over the last 4w (> 15%) "
            "in line LIN-26-000002",
        },
    }


def test_no_data_and_resolved_summaries() -> None:
    no_data = build_payload(
        RULE,
        fingerprint="f",
        status="no_data",
        value=None,
        at=AT,
        started_at=AT,
        reason="no deployments detected",
    )
    assert no_data["type"] == "alert.no_data" and no_data["data"]["value"] is None
    assert no_data["data"]["summary"] == (
        "change_failure_rate has no data over the last 4w in line LIN-26-000002: "
        "no deployments detected"
    )
    resolved = build_payload(
        RULE,
        fingerprint="f",
        status="resolved",
        value=9.0,
        at=AT,
        started_at=datetime(2026, 3, 1, tzinfo=UTC),
        ended_at=AT,
    )
    assert resolved["type"] == "alert.resolved"
    assert (resolved["data"]["started_at"], resolved["data"]["ended_at"]) == (
        "2026-03-01T00:00:00Z",
        "2026-03-07T09:00:00Z",
    )
    assert resolved["data"]["summary"] == (
        "change_failure_rate is back to 9% over the last 4w (alert on > 15%) in line LIN-26-000002"
    )


def test_slack_variant() -> None:
    payload = build_payload(
        RULE, fingerprint="0123456789abcdef", status="firing", value=18.2, at=AT, started_at=AT
    )
    slack = slack_payload(payload)
    assert slack["text"] == (
        ":rotating_light: FIRING [HIGH] change_failure_rate: change_failure_rate is 18.2% "
        "over the last 4w (&gt; 15%) in line LIN-26-000002"
    )
    header, section, context = slack["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": ":rotating_light: FIRING [HIGH] change_failure_rate",
        },
    }
    assert [f["text"] for f in section["fields"]] == [
        "*Value*\n18.2%",
        "*Condition*\n&gt; 15%",
        "*Window*\n4w",
        "*Severity*\nhigh",
        "*Scope*\nline LIN-26-000002",
        "*Since*\n2026-03-07T09:00:00Z",
    ]
    assert "ALR-26-000007" in context["elements"][0]["text"]


def test_bodies_are_compact_utf8_json_per_format() -> None:
    payload = build_payload(
        RULE, fingerprint="f", status="firing", value=18.2, at=AT, started_at=AT
    )
    standard = render_body("standard", payload)
    assert standard == encode(payload) and b", " not in standard and b": " not in standard
    assert json.loads(standard) == payload
    assert set(json.loads(render_body("slack", payload))) == {"text", "blocks"}
    with pytest.raises(ValueError):
        render_body("teams", payload)


def test_ping_payload_in_both_formats() -> None:
    ping = ping_payload("WHK-26-000001", "WS-26-000001", AT)
    assert ping["type"] == "webhook.test" and ping["timestamp"] == "2026-03-07T09:00:00Z"
    assert slack_payload(ping)["text"] == "devintel test message for webhook WHK-26-000001"


def test_units_in_summaries() -> None:
    cycle = replace(
        RULE, metric="cycle_time", threshold=48.0, scope_kind="workspace", scope_ref=None
    )
    payload = build_payload(
        cycle, fingerprint="f", status="firing", value=50.04, at=AT, started_at=AT
    )
    # 50.04 → 50.0 → shown as 50; hours are written " h"
    assert payload["data"]["unit"] == "hours"
    assert payload["data"]["summary"] == (
        "cycle_time is 50 h over the last 4w (> 48 h) in workspace WS-26-000001"
    )
    weekly = replace(RULE, metric="deployment_frequency", operator="lt", threshold=0.25)
    summary = build_payload(
        weekly, fingerprint="f", status="firing", value=0.1, at=AT, started_at=AT
    )["data"]["summary"]
    # the value is rounded to 1 decimal (§12) but the threshold is shown as written
    assert summary == (
        "deployment_frequency is 0.1/week over the last 4w (< 0.25/week) in line LIN-26-000002"
    )
