"""Notification bodies: the Standard Webhooks JSON payload of an alert and its Slack
variant (for webhooks added with ``--format slack``, i.e. Slack incoming webhooks).

Bodies are built once, when the notification is enqueued, and stored as bytes: every retry
sends exactly the same bytes under the same message ID.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from ..metrics.catalog import CATALOG, Metric, Unit
from ..store.alerts import AlertRuleRow
from ..timeutil import iso_z
from .rules import Operator, format_duration

Status = Literal["firing", "resolved", "no_data"]
EVENT_TYPES: dict[str, str] = {
    "firing": "alert.firing",
    "resolved": "alert.resolved",
    "no_data": "alert.no_data",
}
PING_EVENT_TYPE = "webhook.test"
FORMATS = ("standard", "slack")

_UNIT_SUFFIX = {
    Unit.PERCENT: "%",
    Unit.HOURS: " h",
    Unit.PER_WEEK: "/week",
    Unit.PER_SPRINT: "/sprint",
}


def number(value: float | None) -> float | int | None:
    """1 decimal (§12); whole numbers as integers so 15.0 reads ``15``."""
    if value is None:
        return None
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def threshold_number(value: float) -> float | int:
    """A threshold as the user wrote it (never rounded: 0.25 must not read 0.2)."""
    return int(value) if float(value).is_integer() else float(value)


def rule_json(rule: AlertRuleRow) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "metric": rule.metric,
        "condition": {"operator": rule.operator, "threshold": threshold_number(rule.threshold)},
        "window": rule.window,
        "severity": rule.severity,
        "scope": scope_json(rule),
        "for": rule.for_checks,
        "repeat_interval": format_duration(rule.repeat_interval_s),
        "actions": [dict(a) for a in rule.actions],
    }


def scope_json(rule: AlertRuleRow) -> dict[str, Any]:
    return {"kind": rule.scope_kind, "ref": rule.scope_ref}


def build_payload(
    rule: AlertRuleRow,
    *,
    fingerprint: str,
    status: Status,
    value: float | None,
    at: datetime,
    started_at: datetime | None,
    ended_at: datetime | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """``{"type": "alert.<status>", "timestamp", "data": {…}}`` (Standard Webhooks shape).

    ``timestamp`` is when the check made the notification (the ``webhook-timestamp`` header
    is each attempt's send time instead). ``started_at`` is when the alert began firing or
    lacking data; ``ended_at`` is set on ``resolved``. ``reason`` says why there is no data,
    or why an alert was resolved without a check (rule deleted).
    """
    data: dict[str, Any] = {
        "alert_id": rule.id,
        "fingerprint": fingerprint,
        "status": status,
        "metric": rule.metric,
        "value": number(value),
        "unit": _unit(rule.metric),
        "window": rule.window,
        "condition": {"operator": rule.operator, "threshold": threshold_number(rule.threshold)},
        "severity": rule.severity,
        "scope": scope_json(rule),
        "workspace_id": rule.workspace_id,
        "started_at": iso_z(started_at) if started_at else None,
        "ended_at": iso_z(ended_at) if ended_at else None,
        "reason": reason,
        "rule": rule_json(rule),
    }
    data["summary"] = summary_text(data)
    return {"type": EVENT_TYPES[status], "timestamp": iso_z(at), "data": data}


def ping_payload(webhook_id: str, workspace_id: str, at: datetime) -> dict[str, Any]:
    """What ``webhooks test`` sends."""
    return {
        "type": PING_EVENT_TYPE,
        "timestamp": iso_z(at),
        "data": {
            "webhook_id": webhook_id,
            "workspace_id": workspace_id,
            "summary": f"devintel test message for webhook {webhook_id}",
        },
    }


def _unit(metric: str) -> str | None:
    try:
        return str(CATALOG[Metric(metric)].unit)
    except ValueError:
        return None


def _with_unit(value: float | int | None, unit: str | None) -> str:
    if value is None:
        return "no data"
    suffix = _UNIT_SUFFIX.get(Unit(unit), "") if unit else ""
    return f"{value}{suffix}"


def _scope_words(scope: dict[str, Any], workspace_id: str) -> str:
    if scope["kind"] == "line":
        return f"line {scope['ref']}"
    if scope["kind"] == "repo":
        return f"repository {scope['ref']}"
    return f"workspace {workspace_id}"


def summary_text(data: dict[str, Any]) -> str:
    """One sentence: what happened, the value against the condition, where."""
    condition = data["condition"]
    symbol = Operator(condition["operator"]).symbol
    threshold = _with_unit(condition["threshold"], data["unit"])
    where = _scope_words(data["scope"], data["workspace_id"])
    metric, window = data["metric"], data["window"]
    value = _with_unit(data["value"], data["unit"])
    status = data["status"]
    if status == "firing":
        text = f"{metric} is {value} over the last {window} ({symbol} {threshold}) in {where}"
    elif status == "no_data":
        text = f"{metric} has no data over the last {window} in {where}"
    else:
        text = (
            f"{metric} is back to {value} over the last {window} "
            f"(alert on {symbol} {threshold}) in {where}"
            if data["value"] is not None
            else f"{metric} alert in {where} resolved"
        )
    if data.get("reason"):
        text += f": {data['reason']}"
    return text


_SLACK_LEAD = {
    "firing": ":rotating_light: FIRING",
    "no_data": ":grey_question: NO DATA",
    "resolved": ":white_check_mark: RESOLVED",
}


def _slack_escape(text: str) -> str:
    # Slack mrkdwn needs exactly these three escaped
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Slack incoming-webhook JSON (``text`` fallback + Block Kit ``blocks``)."""
    data = payload["data"]
    if payload["type"] == PING_EVENT_TYPE:
        text = _slack_escape(data["summary"])
        return {"text": text, "blocks": [_section(text)]}
    status = data["status"]
    severity = data["severity"]
    headline = f"{_SLACK_LEAD[status]} [{severity.upper()}] {data['metric']}"
    summary = _slack_escape(data["summary"])
    condition = data["condition"]
    fields = [
        ("Value", _with_unit(data["value"], data["unit"])),
        (
            "Condition",
            f"{Operator(condition['operator']).symbol} "
            f"{_with_unit(condition['threshold'], data['unit'])}",
        ),
        ("Window", data["window"]),
        ("Severity", severity),
        ("Scope", _scope_words(data["scope"], data["workspace_id"])),
        ("Since", data["started_at"] or "-"),
    ]
    rule_name = data["rule"].get("name") or data["alert_id"]
    return {
        "text": f"{headline}: {summary}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {
                **_section(summary),
                "fields": [
                    {"type": "mrkdwn", "text": f"*{label}*\n{_slack_escape(str(value))}"}
                    for label, value in fields
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _slack_escape(
                            f"devintel · rule {rule_name} ({data['alert_id']}) · "
                            f"fingerprint {data['fingerprint']} · {payload['timestamp']}"
                        ),
                    }
                ],
            },
        ],
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def encode(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are stored, signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def render_body(fmt: str, payload: dict[str, Any]) -> bytes:
    """The body for a webhook of format ``standard`` or ``slack``."""
    if fmt == "standard":
        return encode(payload)
    if fmt == "slack":
        return encode(slack_payload(payload))
    raise ValueError(f"unknown webhook format {fmt!r}")
