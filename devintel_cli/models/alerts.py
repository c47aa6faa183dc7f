"""Alert rules, their checks and events, webhooks and deliveries (§11)."""

from __future__ import annotations

from pydantic import ConfigDict

from .base import Model


class WebhookOut(Model):
    """``webhooks list``: the URL redacted (credentials and secret-looking parts masked) and
    the webhook's outbox backlog; never its signing secret."""

    id: str
    workspace_id: str
    url: str
    format: str
    created_at: str
    pending: int
    failed: int
    last_error: str | None


class WebhookCreatedOut(WebhookOut):
    """``webhooks add``: the only output that ever carries the signing secret."""

    secret: str


class WebhookTestOut(Model):
    """``webhooks test``: one signed ping and how the receiver answered."""

    webhook_id: str
    message_id: str
    ok: bool
    status_code: int | None
    attempts: int
    error: str | None


class DeliveryOutcomeOut(Model):
    """One message of a delivery run (``webhooks deliver``, the end of ``alerts check``)."""

    message_id: str
    webhook_id: str
    outcome: str
    status_code: int | None
    attempts: int
    error: str | None


class AlertConditionOut(Model):
    operator: str
    #: as written (5 stays 5, 0.25 stays 0.25)
    threshold: int | float


class AlertScopeOut(Model):
    kind: str
    ref: str | None


class AlertActionOut(Model):
    type: str
    webhook_id: str


def _alert_alias(name: str) -> str:
    # rule files and webhook payloads call it "for"; Python cannot
    return "for" if name == "for_checks" else name


class AlertRuleOut(Model):
    """An alert rule (``alerts create/list``): the create request's fields
    (``contract/alert-create-request``), the rest of the rule, and in ``alerts list`` the
    alert's current state (null before its first check)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=_alert_alias,
        validate_by_name=True,
        serialize_by_alias=True,
    )

    id: str
    workspace_id: str
    name: str | None
    metric: str
    condition: AlertConditionOut
    window: str
    severity: str
    scope: AlertScopeOut
    for_checks: int
    repeat_interval: str
    actions: list[AlertActionOut]
    created_at: str
    updated_at: str
    state: str | None = None
    state_since: str | None = None
    last_value: float | None = None
    last_checked_at: str | None = None
    last_notified_at: str | None = None


class AlertRuleView(Model):
    """An alert rule as one table, CSV or Markdown row (JSON carries ``AlertRuleOut``)."""

    id: str
    name: str | None
    metric: str
    condition: str
    window: str
    severity: str
    scope: str
    webhooks: list[str]
    state: str | None
    value: float | None


class AlertCheckOut(Model):
    """One rule in ``alerts check``: its value over the window, the state it is in now, and
    the notification the check queued (``notified``: firing, resolved, no_data or null)."""

    rule_id: str
    name: str | None
    metric: str
    scope: AlertScopeOut
    window: str
    window_start: str
    window_end: str
    value: float | None
    unit: str
    condition: AlertConditionOut
    severity: str
    previous_state: str | None
    state: str
    notified: str | None
    message_id: str | None
    reason: str | None
    missing_webhooks: list[str]


class AlertCheckRunOut(Model):
    """``alerts check``: every rule's outcome, then the delivery run that followed."""

    workspace_id: str
    checked_at: str
    firing: int
    rules: list[AlertCheckOut]
    deliveries: list[DeliveryOutcomeOut]


class AlertCheckView(Model):
    """One rule of ``alerts check`` as a table, CSV or Markdown row."""

    rule: str
    name: str | None
    metric: str
    scope: str
    value: float | None
    condition: str
    state: str
    notified: str | None
    reason: str | None


class AlertEventOut(Model):
    """``alerts history``: a state change or a (re-)notification, newest first, with how its
    notification was delivered (delivered, pending, failed; null when none was sent)."""

    id: int
    at: str
    rule_id: str
    rule_name: str | None
    fingerprint: str
    from_state: str | None
    to_state: str
    value: float | None
    message_id: str | None
    delivery: str | None


class ApplyActionOut(Model):
    """One line of the ``alerts apply`` plan: create, update, delete or unchanged."""

    action: str
    name: str
    id: str | None
    changes: list[str]
