"""``devintel repo add/list/sync/remove``."""

from typing import Annotated

import typer

from .common import (
    FormatOption,
    JsonOption,
    LineOption,
    WorkspaceOption,
    emit_items,
    output_format,
    read_command,
)

app = typer.Typer(help="Repositories: mirror, sync and list them.", no_args_is_help=True)

LIST_COLUMNS = (
    "repository",
    "commits",
    "merges",
    "additions",
    "deletions",
    "tags",
    "deployments",
    "last_commit_at",
    "last_synced_at",
)


def _report(result) -> None:  # type: ignore[no-untyped-def]
    from .common import info, warn

    for message in result.warnings:
        warn(message)
    if result.noop:
        info(f"{result.repository}: up to date")
    else:
        removed = (
            f", {result.removed_commits} no longer reachable" if result.removed_commits else ""
        )
        info(f"{result.repository}: {result.new_commits} new commits{removed}")


@app.command("add")
def add(
    spec: Annotated[str, typer.Argument(help="owner/name, a Git URL, or a local path.")],
    line: LineOption = None,
    no_sync: Annotated[bool, typer.Option("--no-sync", help="Register only; sync later.")] = False,
    deploy_tags: Annotated[
        str | None,
        typer.Option(
            help=r"Regex of release tags that count as deployments (default ^v?\d+(\.\d+){1,3}$)."
        ),
    ] = None,
    deploy_branch: Annotated[
        str | None, typer.Option(help="Branch whose first-parent commits are deployments.")
    ] = None,
    environment: Annotated[
        str, typer.Option(help="Environment its deployments go to.")
    ] = "production",
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Mirror a repository and backfill its history."""
    from ..repositories import add_repository, list_summaries
    from .common import progress_reporter, workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx, progress_reporter(spec) as progress:
        repo, result = add_repository(
            ctx,
            spec,
            line=line,
            deploy_tags=deploy_tags,
            deploy_branch=deploy_branch,
            environment=environment,
            sync_now=not no_sync,
            progress=progress,
        )
        if result is not None:
            _report(result)
        summary = [s for s in list_summaries(ctx) if s.url == repo.url]
    emit_items(summary, out, columns=LIST_COLUMNS)


@app.command("list")
@read_command
def list_(
    line: LineOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List repositories with their raw figures (commits, merges, lines, tags, deployments)."""
    from ..repositories import list_summaries
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        items = list_summaries(ctx, line=line)
    emit_items(items, out, columns=LIST_COLUMNS)


@app.command("sync")
def sync(
    repo: Annotated[str | None, typer.Argument(help="Repository name, URL or path.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Sync every repository.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Fetch with prune and ingest only what is new."""
    from ..errors import UsageError
    from ..repositories import resolve
    from ..repositories import sync as sync_one
    from ..store.repositories import list_repositories
    from .common import progress_reporter, workspace_context

    if (repo is None) == (not all_):
        raise UsageError("name one repository or pass --all")
    with workspace_context(workspace) as ctx:
        targets = (
            list_repositories(ctx.conn, ctx.workspace.id) if all_ else [resolve(ctx, repo or "")]
        )
        for target in targets:
            with progress_reporter(target.name) as progress:
                _report(sync_one(ctx, target, progress=progress))


@app.command("config")
def config(
    repo: Annotated[str, typer.Argument(help="Repository name, URL or path.")],
    line: LineOption = None,
    no_line: Annotated[bool, typer.Option("--no-line", help="Take it out of its line.")] = False,
    deploy_tags: Annotated[
        str | None,
        typer.Option(help='Regex of release tags that are deployments ("" = the default).'),
    ] = None,
    deploy_branch: Annotated[
        str | None,
        typer.Option(help='Branch whose first-parent commits are deployments ("" = none).'),
    ] = None,
    environment: Annotated[
        str | None, typer.Option(help="Environment its detected deployments go to.")
    ] = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Change a repository's line or deployment settings; deployments are re-detected."""
    from ..errors import UsageError
    from ..repositories import UNCHANGED, configure, list_summaries, resolve
    from .common import warn, workspace_context

    if line and no_line:
        raise UsageError("give --line or --no-line, not both")
    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        updated, warnings = configure(
            ctx,
            resolve(ctx, repo),
            line=None if no_line else (line if line is not None else UNCHANGED),
            deploy_tags=UNCHANGED if deploy_tags is None else deploy_tags,
            deploy_branch=UNCHANGED if deploy_branch is None else deploy_branch,
            environment=UNCHANGED if environment is None else environment,
        )
        for message in warnings:
            warn(message)
        summary = [s for s in list_summaries(ctx) if s.url == updated.url]
    emit_items(summary, out, columns=("repository", "service_line_id", *LIST_COLUMNS[1:]))


@app.command("remove")
def remove(
    repo: Annotated[str, typer.Argument(help="Repository name, URL or path.")],
    keep_mirror: Annotated[bool, typer.Option(help="Keep the mirror on disk.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Forget a repository and its history (and its mirror, unless shared or kept)."""
    from ..repositories import remove as remove_repo
    from ..repositories import resolve
    from .common import info, workspace_context

    with workspace_context(workspace) as ctx:
        target = resolve(ctx, repo)
        remove_repo(ctx, target, keep_mirror=keep_mirror)
    info(f"removed {target.name}")
