"""The alerting service behind ``devintel alerts`` and ``devintel webhooks`` (§11): the glue
between the metrics read side (:mod:`devintel_cli.reporting`) and the alerts core
(:mod:`devintel_cli.alerts`).

What lives here and nowhere else:

* a rule's value: its metric over ``[now - window, now)`` for its scope (workspace, line or
  repository), computed as one window (a median over all the window's samples, a ratio over
  its totals) like the scorecard's; ``None`` with the reason when there is nothing to
  measure, or when the scope no longer resolves (a deleted line is "no data", never "ok");
* ``alerts check``: every rule of the workspace through the state machine, then one
  delivery run over the outbox, in the same process;
* webhooks of a workspace: add (with a fresh secret), delete, test, deliver;
* turning ``alerts create`` flags and rule files into validated rules whose scope exists.

No printing and no exiting: the CLI renders what these return.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .alerts import delivery
from .alerts.delivery import DeliveryResult, MessageOutcome, OutboxRun
from .alerts.evaluation import CheckOutcome, State, check_rule
from .alerts.rules import AppliedRules, RuleSpec, ScopeKind, parse_duration
from .alerts.signing import new_message_id
from .errors import ConflictError, NotFoundError, UsageError
from .metrics.catalog import CATALOG, Metric
from .store import alerts as store
from .store.db import write_transaction
from .store.ids import next_id
from .timeutil import utc_now
from .workspace import Context

# ------------------------------------------------------------------------------ rule values


@dataclass(frozen=True)
class RuleValue:
    """A rule's metric over its window: ``value`` unrounded (the state machine rounds it as
    reported), or None with ``reason``."""

    value: float | None
    reason: str | None
    unit: str
    window_start: datetime
    window_end: datetime


def scope_of(ctx: Context, kind: str, ref: str | None):  # type: ignore[no-untyped-def]
    """The :class:`reporting.Scope` a rule watches (NotFoundError/UsageError if it is gone)."""
    from .reporting import resolve_scope

    if kind == ScopeKind.LINE:
        return resolve_scope(ctx, line=ref)
    if kind == ScopeKind.REPO:
        return resolve_scope(ctx, repo=ref)
    return resolve_scope(ctx)


def rule_value(ctx: Context, rule: store.AlertRuleRow, now: datetime) -> RuleValue:
    from .metrics.buckets import window_bucket
    from .metrics.series import compute_values
    from .reporting import load_inputs

    metric = Metric(rule.metric)
    start = now - parse_duration(rule.window)
    unit = str(CATALOG[metric].unit)
    try:
        scope = scope_of(ctx, rule.scope_kind, rule.scope_ref)
    except UsageError as exc:
        # the line or repository was removed after the rule was made: no data, with why
        return RuleValue(None, exc.message, unit, start, now)
    window = window_bucket(start, now)
    inputs = load_inputs(ctx, scope, [metric], [window], as_of=now)
    (measured,) = compute_values(metric, [window], inputs)
    if measured.value is None:
        return RuleValue(None, measured.reason or "no data", unit, start, now)
    return RuleValue(measured.value, None, unit, start, now)


# ---------------------------------------------------------------------------- alerts check


@dataclass(frozen=True)
class RuleCheck:
    rule: store.AlertRuleRow
    measured: RuleValue
    outcome: CheckOutcome

    @property
    def firing(self) -> bool:
        return self.outcome.state is State.FIRING


@dataclass(frozen=True)
class CheckRun:
    checked_at: datetime
    checks: tuple[RuleCheck, ...]
    #: the delivery run that followed the checks
    delivery: OutboxRun

    @property
    def firing(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.checks if c.firing)


def check_alerts(ctx: Context, *, now: datetime | None = None) -> CheckRun:
    """Evaluate every rule of the workspace at ``now`` (the real time by default: checking
    "as of" the past would rewrite alert state), record transitions and queue
    notifications (one transaction per rule), then deliver the workspace's outbox."""
    now = now or utc_now()
    checks = []
    for rule in store.list_rules(ctx.conn, ctx.workspace.id):
        measured = rule_value(ctx, rule, now)
        try:
            outcome = check_rule(
                ctx.conn, rule, measured.value, now, no_data_reason=measured.reason
            )
        except sqlite3.IntegrityError:
            # deleted by a concurrent `alerts delete`/`apply` after it was listed: skip it
            if store.get_rule(ctx.conn, rule.id) is None:
                continue
            raise
        checks.append(RuleCheck(rule, measured, outcome))
    return CheckRun(now, tuple(checks), deliver_outbox(ctx))


# -------------------------------------------------------------------------------- delivery


def deliver_outbox(
    ctx: Context, *, webhook_id: str | None = None, retry_failed: bool = False
) -> OutboxRun:
    """Send the due messages of this workspace's webhooks (or of one), oldest first.

    Messages left behind by a deleted webhook are included, so that the run marks them
    ``failed`` ("webhook no longer exists") instead of leaving them pending for ever.
    ``retry_failed`` first makes given-up messages due again (same IDs, same bodies).
    """
    if webhook_id is not None:
        webhook_ids = [get_webhook(ctx, webhook_id).id]
    else:
        webhook_ids = [w.id for w in store.list_webhooks(ctx.conn, ctx.workspace.id)]
        known = set(webhook_ids)
        for message in store.list_outbox(ctx.conn, status="pending"):
            if (
                message.webhook_id not in known
                and store.get_webhook(ctx.conn, message.webhook_id) is None
            ):
                known.add(message.webhook_id)
                webhook_ids.append(message.webhook_id)
    if retry_failed and webhook_ids:
        with write_transaction(ctx.conn):
            for wid in webhook_ids:
                store.requeue_failed(ctx.conn, utc_now(), webhook_id=wid)
    outcomes: list[MessageOutcome] = []
    for wid in webhook_ids:
        # time.time looked up now, not bound at import: one clock for queueing and sending
        run = delivery.deliver_outbox(ctx.conn, webhook_id=wid, now=time.time, sleep=time.sleep)
        outcomes.extend(run.outcomes)
    return OutboxRun(tuple(outcomes))


# -------------------------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int
    last_error: str | None


def get_webhook(ctx: Context, webhook_id: str) -> store.WebhookRow:
    row = store.get_webhook(ctx.conn, webhook_id.strip(), workspace_id=ctx.workspace.id)
    if row is None:
        raise NotFoundError(
            f"unknown webhook {webhook_id!r} in workspace {ctx.workspace.id}",
            hint="`devintel webhooks list` shows them",
        )
    return row


def add_webhook(ctx: Context, url: str, *, fmt: str = "standard") -> store.WebhookRow:
    """Register a webhook with a fresh ``whsec_`` secret; the caller shows the secret once."""
    now = utc_now()
    delivery.validate_url(url)  # before the transaction: a bad URL takes no ID
    with write_transaction(ctx.conn):
        row = delivery.new_webhook(
            webhook_id=next_id(ctx.conn, "WHK", now),
            workspace_id=ctx.workspace.id,
            url=url,
            fmt=fmt,
            now=now,
        )
        store.insert_webhook(ctx.conn, row)
    return row


def webhook_backlogs(ctx: Context) -> dict[str, Backlog]:
    """Undelivered messages per webhook: pending, failed, and the newest error."""
    counts: dict[str, list[int]] = {}
    errors: dict[str, str] = {}
    for status, column in (("pending", 0), ("failed", 1)):
        for message in store.list_outbox(ctx.conn, status=status):
            counts.setdefault(message.webhook_id, [0, 0])[column] += 1
            if message.last_error:
                errors[message.webhook_id] = message.last_error
    return {wid: Backlog(p, f, errors.get(wid)) for wid, (p, f) in counts.items()}


@dataclass(frozen=True)
class DeletedWebhook:
    webhook: store.WebhookRow
    #: rules that still name it (deleted with --force only)
    rules: tuple[str, ...]
    #: its messages not delivered yet: the next delivery run marks them failed
    undelivered: int


def delete_webhook(ctx: Context, webhook_id: str, *, force: bool = False) -> DeletedWebhook:
    """Delete a webhook; refused while a rule notifies it, unless ``force`` (then those
    rules keep a dangling action that ``alerts check`` reports)."""
    with write_transaction(ctx.conn):
        row = get_webhook(ctx, webhook_id)
        users = tuple(
            rule.name or rule.id
            for rule in store.list_rules(ctx.conn, ctx.workspace.id)
            if row.id in rule.webhook_ids
        )
        if users and not force:
            raise ConflictError(
                f"webhook {row.id} is used by alert rule(s) {', '.join(users)}",
                hint="remove it from those rules first, or delete anyway with --force",
            )
        undelivered = len(store.list_outbox(ctx.conn, webhook_ids=[row.id], status="pending"))
        store.delete_webhook(ctx.conn, row.id, ctx.workspace.id)
    return DeletedWebhook(row, users, undelivered)


@dataclass(frozen=True)
class WebhookTest:
    webhook: store.WebhookRow
    message_id: str
    result: DeliveryResult


def ping_webhook(ctx: Context, webhook_id: str) -> WebhookTest:
    """Send a signed ``webhook.test`` ping now, once, outside the outbox."""
    row = get_webhook(ctx, webhook_id)
    message_id = new_message_id()
    result = delivery.send_test(row, message_id=message_id, at=utc_now(), now=time.time)
    return WebhookTest(row, message_id, result)


# ----------------------------------------------------------------------------------- rules


def rule_spec(fields: dict[str, Any], *, source: str = "alerts create") -> RuleSpec:
    """A rule from ``alerts create`` flags, validated like a rule file (exit 2 on errors)."""
    from .alerts.rules import _describe  # the same wording as rule-file errors

    try:
        return RuleSpec.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise UsageError(f"{source}: {problems}") from None


def canonical_scope(ctx: Context, *, line: str | None, repo: str | None) -> dict[str, str] | None:
    """``alerts create``'s scope, checked and stored so that it resolves the same way from
    any directory: a line by its ID, a repository by its name (its URL if the name is
    shared)."""
    if line and repo:
        raise UsageError("give --line or --repo, not both")
    if not line and not repo:
        return None
    scope = scope_of(ctx, ScopeKind.LINE if line else ScopeKind.REPO, line or repo)
    if scope.line is not None:
        return {"line": scope.line.id}
    from .store.repositories import find_repositories

    repository = scope.repository
    named = [r for r in find_repositories(ctx.conn, ctx.workspace.id, repository.name)]
    return {"repo": repository.name if len(named) == 1 else repository.url}


def check_scopes(ctx: Context, specs: Sequence[RuleSpec], *, source: str) -> None:
    """Every scope in a rule file must exist now (exit 2 before anything is written)."""
    for spec in specs:
        if spec.scope is None:
            continue
        try:
            scope_of(ctx, spec.scope.kind, spec.scope.ref)
        except UsageError as exc:
            label = f"rule {spec.name!r}" if spec.name else "rule"
            raise UsageError(f"{source}: {label}: scope: {exc.message}", hint=exc.hint) from None


def create_rule(ctx: Context, spec: RuleSpec) -> store.AlertRuleRow:
    from .alerts.rules import create_rule as create

    now = utc_now()
    conn = ctx.conn
    return create(
        conn, ctx.workspace.id, spec, new_rule_id=lambda: next_id(conn, "ALR", now), now=now
    )


def apply_file(
    ctx: Context, path: Path, *, prune: bool = True, dry_run: bool = False
) -> AppliedRules:
    """``alerts apply FILE``: validate the whole file (fields, scopes, webhooks), then carry
    out the plan in one transaction, or only plan it with ``dry_run``."""
    from .alerts.rules import apply_rules, load_rule_file

    specs = load_rule_file(path)
    check_scopes(ctx, specs, source=str(path))
    now = utc_now()
    conn = ctx.conn
    return apply_rules(
        conn,
        ctx.workspace.id,
        specs,
        new_rule_id=lambda: next_id(conn, "ALR", now),
        now=now,
        prune=prune,
        dry_run=dry_run,
    )


def delete_rule(ctx: Context, id_or_name: str) -> store.AlertRuleRow:
    from .alerts.rules import delete_rule as delete

    return delete(ctx.conn, ctx.workspace.id, id_or_name.strip(), now=utc_now())


def find_rule(ctx: Context, id_or_name: str) -> store.AlertRuleRow:
    row = store.find_rule(ctx.conn, ctx.workspace.id, id_or_name.strip())
    if row is None:
        raise NotFoundError(f"unknown alert rule {id_or_name!r}", hint="see `devintel alerts list`")
    return row


def message_status(ctx: Context, message_id: str, webhook_ids: Sequence[str]) -> str | None:
    """A notification's delivery over the webhooks it went to: ``failed`` if any copy was
    given up, else ``pending`` if any is undelivered, else ``delivered``."""
    statuses = {
        row.status
        for wid in webhook_ids
        if (row := store.get_message(ctx.conn, message_id, wid)) is not None
    }
    for status in ("failed", "pending", "delivered"):
        if status in statuses:
            return status
    return None
