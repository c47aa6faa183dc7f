"""``devintel alerts create/list/delete/history/apply/check`` (§11).

``alerts check`` is meant for cron and CI: it evaluates every rule over its window at the
real current time, records transitions, queues notifications and delivers the outbox;
``--exit-code`` makes a firing alert exit 1.
"""


from pathlib import Path
from typing import Annotated

import typer

from .common import (
    FormatOption,
    JsonOption,
    LineOption,
    RepoOption,
    WorkspaceOption,
    emit,
    emit_items,
    output_format,
    read_command,
)

app = typer.Typer(
    help="Alert rules on metrics, checked from cron or CI, notified through webhooks.",
    no_args_is_help=True,
)

METRIC_NAMES = (
    "deployment_frequency, cycle_time, pr_review_time, change_failure_rate, test_coverage, "
    "code_churn, open_incident_rate, task_throughput, failed_deployment_recovery_time, "
    "rework_rate"
)
HISTORY_COLUMNS = (
    "at",
    "rule_id",
    "rule_name",
    "from_state",
    "to_state",
    "value",
    "message_id",
    "delivery",
)


# ------------------------------------------------------------------------------- rendering


def _condition(rule):  # type: ignore[no-untyped-def]
    from ..alerts.payload import threshold_number
    from ..models import AlertConditionOut

    return AlertConditionOut(operator=rule.operator, threshold=threshold_number(rule.threshold))


def _scope(rule):  # type: ignore[no-untyped-def]
    from ..models import AlertScopeOut

    return AlertScopeOut(kind=rule.scope_kind, ref=rule.scope_ref)


def _scope_text(rule) -> str:  # type: ignore[no-untyped-def]
    return rule.scope_kind if rule.scope_ref is None else f"{rule.scope_kind} {rule.scope_ref}"


def _condition_text(rule) -> str:  # type: ignore[no-untyped-def]
    from ..alerts.payload import threshold_number
    from ..alerts.rules import Operator

    return f"{Operator(rule.operator).symbol} {threshold_number(rule.threshold)}"


def _rule_out(rule, state=None):  # type: ignore[no-untyped-def]
    from ..alerts.payload import number
    from ..alerts.rules import format_duration
    from ..models import AlertActionOut, AlertRuleOut

    return AlertRuleOut(
        id=rule.id,
        workspace_id=rule.workspace_id,
        name=rule.name,
        metric=rule.metric,
        condition=_condition(rule),
        window=rule.window,
        severity=rule.severity,
        scope=_scope(rule),
        for_checks=rule.for_checks,
        repeat_interval=format_duration(rule.repeat_interval_s),
        actions=[AlertActionOut(**action) for action in rule.actions],
        created_at=rule.created_at,
        updated_at=rule.updated_at,
        state=state.state if state else None,
        state_since=state.since if state else None,
        last_value=number(state.last_value) if state else None,
        last_checked_at=state.updated_at if state else None,
        last_notified_at=state.last_notified_at if state else None,
    )


def _emit_rules(pairs, out) -> None:  # type: ignore[no-untyped-def]
    from ..models import AlertRuleView
    from ..render import Format, to_json

    if out is Format.JSON:
        emit(to_json([_rule_out(rule, state) for rule, state in pairs]))
        return
    views = [
        AlertRuleView(
            id=rule.id,
            name=rule.name,
            metric=rule.metric,
            condition=_condition_text(rule),
            window=rule.window,
            severity=rule.severity,
            scope=_scope_text(rule),
            webhooks=list(rule.webhook_ids),
            state=state.state if state else None,
            value=state.last_value if state else None,
        )
        for rule, state in pairs
    ]
    emit_items(views, out)


def _current_state(conn, rule):  # type: ignore[no-untyped-def]
    from ..alerts.evaluation import fingerprint
    from ..store.alerts import get_state

    return get_state(conn, fingerprint(rule.id, rule.scope_kind, rule.scope_ref))


# -------------------------------------------------------------------------------- commands


@app.command("create")
def create(
    metric: Annotated[str, typer.Option("--metric", help=f"One of: {METRIC_NAMES}.")],
    operator: Annotated[str, typer.Option("--operator", help="gt, gte, lt or lte.")],
    threshold: Annotated[
        float, typer.Option("--threshold", help="Compared with the value rounded to 1 decimal.")
    ],
    window: Annotated[
        str,
        typer.Option("--window", help="The period ending at each check: e.g. 12h, 7d, 4w."),
    ],
    severity: Annotated[
        str, typer.Option("--severity", help="low, medium, high or critical.")
    ] = "medium",
    webhook: Annotated[
        list[str] | None,
        typer.Option("--webhook", help="Webhook to notify (WHK-…); repeat for several."),
    ] = None,
    line: LineOption = None,
    repo: RepoOption = None,
    name: Annotated[
        str | None, typer.Option("--name", help="A name, unique in the workspace.")
    ] = None,
    for_checks: Annotated[
        int,
        typer.Option("--for", help="Breaching checks to stay pending before firing."),
    ] = 0,
    repeat_interval: Annotated[
        str,
        typer.Option(
            "--repeat-interval", help="Re-notify a still-firing alert after: 30m, 4h, 1d, 1w."
        ),
    ] = "24h",
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create an alert rule on a metric of the workspace, a line (--line) or a repo (--repo)."""
    from ..alerting import canonical_scope, create_rule, rule_spec
    from .common import workspace_context

    out = output_format(fmt, as_json)
    fields = {
        "metric": metric,
        "condition": {"operator": operator, "threshold": threshold},
        "window": window,
        "severity": severity,
        "for": for_checks,
        "repeat_interval": repeat_interval,
        "actions": [{"type": "notify_webhook", "webhook_id": w.strip()} for w in webhook or ()],
    }
    if name is not None:
        fields["name"] = name
    rule_spec(fields)  # flag errors first, before the scope is looked up
    with workspace_context(workspace) as ctx:
        scope = canonical_scope(ctx, line=line, repo=repo)
        if scope is not None:
            fields["scope"] = scope
        row = create_rule(ctx, rule_spec(fields))
    _emit_rules([(row, None)], out)


@app.command("list")
@read_command
def list_(
    fmt: FormatOption = "table", as_json: JsonOption = False, workspace: WorkspaceOption = None
) -> None:
    """Alert rules with their current state and last value."""
    from ..store.alerts import list_rules
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        pairs = [
            (rule, _current_state(ctx.conn, rule))
            for rule in list_rules(ctx.conn, ctx.workspace.id)
        ]
    _emit_rules(pairs, out)


@app.command("delete")
def delete(
    rule: Annotated[str, typer.Argument(help="Rule ID (ALR-…) or name.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Delete an alert rule; if its alert is firing (or no_data), a resolved notification
    is queued for the next delivery run."""
    from ..alerting import delete_rule, find_rule
    from ..alerts.evaluation import ALERTING, State
    from .common import info, workspace_context

    with workspace_context(workspace) as ctx:
        state = _current_state(ctx.conn, find_rule(ctx, rule))
        row = delete_rule(ctx, rule)
    label = f"{row.id} ({row.name})" if row.name else row.id
    info(f"deleted alert rule {label}")
    if state is not None and State(state.state) in ALERTING:
        info(
            "its open alert is resolved: the notification goes out with the next "
            "`devintel alerts check` or `devintel webhooks deliver`"
        )


@app.command("history")
@read_command
def history(
    rule: Annotated[
        str | None, typer.Argument(help="Only this rule (ID or name; IDs of deleted rules work).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only events from this date or time on.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 50,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """State changes and notifications of alerts, newest first, with their delivery."""
    from ..alerting import find_rule, message_status
    from ..alerts.payload import number
    from ..errors import UsageError
    from ..models import AlertEventOut
    from ..store import alerts as store
    from ..store.ids import looks_like_id
    from .common import parse_moment, workspace_context

    out = output_format(fmt, as_json)
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    moment = parse_moment(since, "--since")
    with workspace_context(workspace) as ctx:
        rule_id = rule.strip() if rule is not None else None
        if rule_id is not None and not looks_like_id(rule_id, "ALR"):
            rule_id = find_rule(ctx, rule_id).id
        names = {r.id: r.name for r in store.list_rules(ctx.conn, ctx.workspace.id)}
        webhook_ids = [w.id for w in store.list_webhooks(ctx.conn, ctx.workspace.id)]
        events = store.list_events(
            ctx.conn,
            ctx.workspace.id,
            rule_id=rule_id,
            since=_start_of(moment),
            limit=limit,
        )
        items = [
            AlertEventOut(
                id=event.id,
                at=event.at,
                rule_id=event.rule_id,
                rule_name=names.get(event.rule_id),
                fingerprint=event.fingerprint,
                from_state=event.from_state,
                to_state=event.to_state,
                value=number(event.value),
                message_id=event.message_id,
                delivery=message_status(ctx, event.message_id, webhook_ids)
                if event.message_id
                else None,
            )
            for event in events
        ]
    emit_items(items, out, columns=HISTORY_COLUMNS)


def _start_of(moment):  # type: ignore[no-untyped-def]
    from datetime import UTC, date, datetime

    if moment is None or isinstance(moment, datetime):
        return moment
    assert isinstance(moment, date)
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


@app.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(help="Rule file: *.toml ([[rules]]) or *.json.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune/--no-prune",
            help="Delete named rules that are not in the file (default) or keep them.",
        ),
    ] = True,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Make the workspace's named rules match a file: create, update, delete (idempotent)."""
    from ..alerting import apply_file
    from ..models import ApplyActionOut
    from .common import info, workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        applied = apply_file(ctx, file, prune=prune, dry_run=dry_run)
    plan = applied.plan
    created_ids = [row.id for row in applied.created] or [None] * len(plan.create)
    items = [
        *(
            ApplyActionOut(action="create", name=spec.name or "", id=rid, changes=[])
            for spec, rid in zip(plan.create, created_ids, strict=True)
        ),
        *(
            ApplyActionOut(
                action="update",
                name=u.existing.name or "",
                id=u.existing.id,
                changes=list(u.changes),
            )
            for u in plan.update
        ),
        *(
            ApplyActionOut(action="delete", name=row.name or "", id=row.id, changes=[])
            for row in plan.delete
        ),
        *(
            ApplyActionOut(action="unchanged", name=row.name or "", id=row.id, changes=[])
            for row in plan.unchanged
        ),
    ]
    emit_items(items, out, columns=("action", "name", "id", "changes"))
    counts = (
        f"{len(plan.create)} to create, {len(plan.update)} to update, "
        f"{len(plan.delete)} to delete, {len(plan.unchanged)} unchanged"
    )
    if dry_run:
        info(f"plan: {counts} (dry run: nothing written)")
    elif plan.changed:
        info(f"applied: {counts}")
    else:
        info(f"nothing to change: {counts}")


@app.command("check")
def check(
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when any alert is firing (for CI/cron).")
    ] = False,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Evaluate every rule now, record and notify transitions, then deliver the outbox."""
    from ..alerting import check_alerts
    from ..errors import CheckFailed
    from .common import warn, workspace_context
    from .webhooks import report_delivery

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        run = check_alerts(ctx)
        workspace_id = ctx.workspace.id
    _emit_check(run, workspace_id, out)
    for item in run.checks:
        for missing in item.outcome.missing_webhooks:
            warn(f"alert rule {item.rule.id}: webhook {missing} no longer exists; not notified")
    report_delivery(run.delivery)
    firing = run.firing
    if exit_code and firing:
        names = ", ".join(
            f"{c.rule.id} ({c.rule.name})" if c.rule.name else c.rule.id for c in firing
        )
        raise CheckFailed(f"{len(firing)} alert(s) firing: {names}")


def _emit_check(run, workspace_id: str, out) -> None:  # type: ignore[no-untyped-def]
    from ..alerts.payload import number
    from ..models import AlertCheckOut, AlertCheckRunOut, AlertCheckView
    from ..render import Format, to_json
    from ..timeutil import iso_z
    from .webhooks import delivery_items

    if out is not Format.JSON:
        emit_items(
            [
                AlertCheckView(
                    rule=c.rule.id,
                    name=c.rule.name,
                    metric=c.rule.metric,
                    scope=_scope_text(c.rule),
                    value=c.outcome.transition.state.last_value,
                    condition=_condition_text(c.rule),
                    state=str(c.outcome.state),
                    notified=c.outcome.transition.notify,
                    reason=c.measured.reason,
                )
                for c in run.checks
            ],
            out,
            title=f"alerts check {iso_z(run.checked_at)}: {len(run.firing)} firing",
        )
        return
    rules = [
        AlertCheckOut(
            rule_id=c.rule.id,
            name=c.rule.name,
            metric=c.rule.metric,
            scope=_scope(c.rule),
            window=c.rule.window,
            window_start=iso_z(c.measured.window_start),
            window_end=iso_z(c.measured.window_end),
            value=number(c.outcome.transition.state.last_value),
            unit=c.measured.unit,
            condition=_condition(c.rule),
            severity=c.rule.severity,
            previous_state=str(c.outcome.transition.previous_state)
            if c.outcome.transition.previous_state
            else None,
            state=str(c.outcome.state),
            notified=c.outcome.transition.notify,
            message_id=c.outcome.message_id,
            reason=c.measured.reason,
            missing_webhooks=list(c.outcome.missing_webhooks),
        )
        for c in run.checks
    ]
    emit(
        to_json(
            AlertCheckRunOut(
                workspace_id=workspace_id,
                checked_at=iso_z(run.checked_at),
                firing=len(run.firing),
                rules=rules,
                deliveries=delivery_items(run.delivery),
            )
        )
    )
