"""``devintel webhooks add/list/test/delete/deliver``: where alert notifications go (§11).

A webhook's signing secret is printed once, by ``add``; URLs are always shown redacted.
"""


from typing import Annotated

import typer

from .common import (
    FormatOption,
    JsonOption,
    WorkspaceOption,
    emit_items,
    output_format,
    read_command,
)

app = typer.Typer(
    help="Webhooks: receivers of alert notifications, signed per Standard Webhooks.",
    no_args_is_help=True,
)

WEBHOOK_COLUMNS = ("id", "url", "format", "created_at", "pending", "failed", "last_error")
DELIVERY_COLUMNS = ("message_id", "webhook_id", "outcome", "status_code", "attempts", "error")
WebhookArgument = Annotated[str, typer.Argument(help="Webhook ID (WHK-…).")]


def _webhook_out(row, backlog=None, *, secret: str | None = None):  # type: ignore[no-untyped-def]
    from ..alerts.delivery import redact_url
    from ..models import WebhookCreatedOut, WebhookOut

    fields = {
        "id": row.id,
        "workspace_id": row.workspace_id,
        "url": redact_url(row.url),
        "format": row.format,
        "created_at": row.created_at,
        "pending": backlog.pending if backlog else 0,
        "failed": backlog.failed if backlog else 0,
        "last_error": backlog.last_error if backlog else None,
    }
    if secret is not None:
        return WebhookCreatedOut(**fields, secret=secret)
    return WebhookOut(**fields)


@app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The receiver's http(s) URL.")],
    payload: Annotated[
        str,
        typer.Option(
            "--format",
            help="Payload format: standard (Standard Webhooks JSON) or slack (a Slack "
            "incoming-webhook URL).",
            case_sensitive=False,
        ),
    ] = "standard",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Add a webhook and print its signing secret (whsec_…): shown this once only."""
    from ..alerting import add_webhook
    from ..errors import UsageError
    from ..render import Format, to_json
    from .common import emit, info, workspace_context

    kind = payload.lower()
    if kind in tuple(Format):
        raise UsageError(
            f"--format of `webhooks add` is the payload format (standard or slack), not {kind!r}",
            hint="for JSON output use --json",
        )
    with workspace_context(workspace) as ctx:
        row = add_webhook(ctx, url, fmt=kind)
    item = _webhook_out(row, secret=row.secret)
    if as_json:
        emit(to_json(item))
    else:
        # plain lines, not a table: a narrow terminal must never cut the secret short
        emit(
            f"id:      {item.id}\nurl:     {item.url}\nformat:  {item.format}\n"
            f"secret:  {item.secret}"
        )
    info(
        f"added webhook {item.id}: keep the secret now, it is not shown again "
        "(receivers verify the webhook-signature header with it)"
    )


@app.command("list")
@read_command
def list_(
    fmt: FormatOption = "table", as_json: JsonOption = False, workspace: WorkspaceOption = None
) -> None:
    """Webhooks with their redacted URLs and undelivered messages (never their secrets)."""
    from ..alerting import webhook_backlogs
    from ..store.alerts import list_webhooks
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        backlogs = webhook_backlogs(ctx)
        items = [
            _webhook_out(row, backlogs.get(row.id))
            for row in list_webhooks(ctx.conn, ctx.workspace.id)
        ]
    emit_items(items, out, columns=WEBHOOK_COLUMNS)


@app.command("test")
def test(
    webhook_id: WebhookArgument,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Send a signed test message (type webhook.test) now; exit 1 unless answered with 2xx."""
    from ..alerting import ping_webhook
    from ..errors import CheckFailed
    from ..models import WebhookTestOut
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        sent = ping_webhook(ctx, webhook_id)
    result = sent.result
    emit_items(
        [
            WebhookTestOut(
                webhook_id=sent.webhook.id,
                message_id=sent.message_id,
                ok=result.ok,
                status_code=result.status_code,
                attempts=result.attempts,
                error=result.error,
            )
        ],
        out,
    )
    if not result.ok:
        raise CheckFailed(f"webhook {sent.webhook.id} test failed: {result.error}")


@app.command("delete")
def delete(
    webhook_id: WebhookArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Delete even if alert rules still notify it.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Delete a webhook (refused while an alert rule notifies it, unless --force)."""
    from ..alerting import delete_webhook
    from .common import info, warn, workspace_context

    with workspace_context(workspace) as ctx:
        deleted = delete_webhook(ctx, webhook_id, force=force)
    info(f"deleted webhook {deleted.webhook.id}")
    if deleted.rules:
        warn(f"alert rule(s) {', '.join(deleted.rules)} still name {deleted.webhook.id}")
    if deleted.undelivered:
        warn(
            f"{deleted.undelivered} undelivered message(s) of {deleted.webhook.id} will be "
            "marked failed by the next delivery run"
        )


@app.command("deliver")
def deliver(
    webhook_id: Annotated[
        str | None, typer.Option("--webhook", help="Only this webhook's messages.")
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option("--retry-failed", help="Also send again messages given up on (> 72 h)."),
    ] = False,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Deliver the outbox now: every queued notification, with retries; exit 3 if some
    stay undelivered (they are kept and tried again by the next run)."""
    from ..alerting import deliver_outbox
    from ..errors import ExternalError
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        run = deliver_outbox(ctx, webhook_id=webhook_id, retry_failed=retry_failed)
    emit_items(delivery_items(run), out, columns=DELIVERY_COLUMNS)
    report_delivery(run)
    if not run.ok:
        left = len(run.outcomes) - run.delivered - run.count("claimed_elsewhere")
        raise ExternalError(
            f"{left} message(s) not delivered",
            hint="they stay in the outbox; `devintel webhooks deliver` tries them again",
        )


def delivery_items(run):  # type: ignore[no-untyped-def]
    from ..models import DeliveryOutcomeOut

    return [
        DeliveryOutcomeOut(
            message_id=o.message_id,
            webhook_id=o.webhook_id,
            outcome=o.outcome,
            status_code=o.status_code,
            attempts=o.attempts,
            error=o.error,
        )
        for o in run.outcomes
    ]


def report_delivery(run) -> None:  # type: ignore[no-untyped-def]
    """One summary line on stderr, plus a warning per message that did not get through."""
    from .common import info, warn

    if not run.outcomes:
        info("outbox: nothing to deliver")
        return
    for o in run.outcomes:
        if o.outcome in ("retry", "failed"):
            kept = "given up (kept as failed)" if o.outcome == "failed" else "kept for retry"
            warn(f"{o.webhook_id}: message {o.message_id} not delivered ({o.error}); {kept}")
    parts = [f"{run.delivered} delivered"]
    if run.undelivered:
        parts.append(f"{run.undelivered} pending")
    if run.count("failed"):
        parts.append(f"{run.count('failed')} failed")
    info("outbox: " + ", ".join(parts))
