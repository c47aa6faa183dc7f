"""``devintel deployments record/list``."""


from typing import Annotated

import typer

from .common import (
    AsOfOption,
    FormatOption,
    JsonOption,
    LineOption,
    RepoOption,
    WorkspaceOption,
    emit_items,
    output_format,
    read_command,
)

app = typer.Typer(
    help="Deployments: record them from CI, list what they shipped.", no_args_is_help=True
)

LIST_COLUMNS = (
    "id",
    "repository",
    "name",
    "sha",
    "environment",
    "deployed_at",
    "status",
    "failure_reasons",
    "shipped_commits",
)


@app.command("record")
def record(
    repo: Annotated[str, typer.Option("--repo", help="Repository name, URL or path.")],
    sha: Annotated[str, typer.Option("--sha", help="The deployed commit (7–40 hex digits).")],
    status: Annotated[str, typer.Option(help="success, failed or rolled_back.")] = "success",
    at: Annotated[str | None, typer.Option("--at", help="When (ISO-8601; default now).")] = None,
    env: Annotated[str, typer.Option("--env", help="Environment.")] = "production",
    name: Annotated[str | None, typer.Option(help="A name, e.g. the release.")] = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Record a deployment (the step a CI pipeline runs after it deploys)."""
    from ..delivery import record_deployment
    from ..repositories import resolve
    from ..timeutil import utc_now
    from .common import parse_instant, warn, workspace_context

    out = output_format(fmt, as_json)
    moment = parse_instant(at, "--at") or utc_now()
    with workspace_context(workspace) as ctx:
        target = resolve(ctx, repo)
        recorded = record_deployment(
            ctx.conn, target, sha=sha, status=status, at=moment, environment=env, name=name
        )
        if not recorded.resolved:
            warn(
                f"{sha} is not (yet) an ingested commit of {target.name}: "
                "it ships nothing until `devintel repo sync` brings it in"
            )
        items = _listing(ctx, [target.id], limit=1_000_000)
    emit_items([i for i in items if i.id == recorded.id], out, columns=LIST_COLUMNS)


@app.command("list")
@read_command
def list_(
    repo: RepoOption = None,
    line: LineOption = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Deployments with their status, failure reasons and the commits each shipped.

    With --as-of, the deployments made before that moment; their status is what is known
    now (a later revert still marks one failed), as in the metrics (docs/metrics.md).
    """
    from ..reporting import resolve_scope
    from .common import as_of_moment, workspace_context

    out = output_format(fmt, as_json)
    until = as_of_moment(as_of) if as_of is not None else None
    with workspace_context(workspace) as ctx:
        scope = resolve_scope(ctx, line=line, repo=repo)
        items = _listing(ctx, scope.repo_ids, limit=limit, until=until)
    emit_items(items, out, columns=LIST_COLUMNS)


def _listing(ctx, repo_ids, *, limit, until=None):  # type: ignore[no-untyped-def]
    from ..errors import UsageError
    from ..models import DeploymentOut, FailureReasonOut
    from ..store.delivery import deployment_listing
    from ..store.repositories import get_repository
    from ..timeutil import iso_z

    if limit < 1:
        raise UsageError("--limit must be at least 1")
    names = {rid: get_repository(ctx.conn, rid).name for rid in repo_ids}
    items = []
    listing = deployment_listing(ctx.conn, repo_ids, limit=limit, until=until)
    for deployment, outcome, shipped in listing:
        items.append(
            DeploymentOut(
                id=deployment.id,
                repository=names[deployment.repo_id],
                source=str(deployment.source),
                name=deployment.name,
                sha=deployment.sha,
                environment=deployment.environment,
                deployed_at=iso_z(deployment.deployed_at),
                recorded_status=str(deployment.recorded_status),
                status=str(outcome.status) if outcome else None,
                is_rework=bool(outcome and outcome.is_rework),
                recovered_at=iso_z(outcome.recovered_at)
                if outcome and outcome.recovered_at
                else None,
                failure_reasons=[
                    FailureReasonOut(
                        kind=str(r.kind),
                        detail=r.detail,
                        related_deployment_id=r.related_deployment_id,
                        incident_key=r.incident_key,
                    )
                    for r in (outcome.failure_reasons if outcome else ())
                ],
                shipped_commits=shipped,
            )
        )
    return items
