"""``devintel import coverage|incidents|prs|tasks|deployments FILE``."""


from pathlib import Path
from typing import Annotated

import typer

from .common import FormatOption, JsonOption, LineOption, RepoOption, WorkspaceOption

app = typer.Typer(
    help="Import coverage, incidents, pull requests, tasks and deployments from files.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="The file to import.")]


def _emit(result, fmt: str, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from ..models import ImportOut
    from .common import emit_items, info, output_format

    out = output_format(fmt, as_json)
    info(result.summary)
    emit_items(
        [
            ImportOut(
                kind=result.kind,
                file=result.file,
                records=result.records,
                created=result.outcomes["created"],
                updated=result.outcomes["updated"],
                unchanged=result.outcomes["unchanged"],
            )
        ],
        out,
    )


def _run(workspace: str | None, action):  # type: ignore[no-untyped-def]
    from .common import workspace_context

    with workspace_context(workspace) as ctx:
        return action(ctx)


@app.command("coverage")
def coverage(
    file: FileArgument,
    repo: Annotated[str, typer.Option("--repo", help="The repository the report is for.")],
    commit: Annotated[str | None, typer.Option(help="The commit the report measured.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it was measured (ISO-8601).")] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help="cobertura, lcov or coveragepy (default: detect).")
    ] = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """A coverage report (Cobertura XML, LCOV, coverage.py JSON) for one repository."""
    from ..importing import import_coverage
    from .common import parse_instant

    moment = parse_instant(at, "--at")
    _emit(
        _run(
            workspace,
            lambda ctx: import_coverage(ctx, file, repo=repo, commit=commit, at=moment, fmt=kind),
        ),
        fmt,
        as_json,
    )


@app.command("incidents")
def incidents(
    file: FileArgument,
    label: Annotated[
        str | None, typer.Option(help="With gh issue list output: only issues with this label.")
    ] = None,
    repo: RepoOption = None,
    line: LineOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Incidents (CSV, JSON, or `gh issue list --json …` output filtered by --label)."""
    from ..importing import import_incidents

    _emit(
        _run(workspace, lambda ctx: import_incidents(ctx, file, label=label, repo=repo, line=line)),
        fmt,
        as_json,
    )


@app.command("prs")
def prs(
    file: FileArgument,
    repo: Annotated[str, typer.Option("--repo", help="The repository the PRs belong to.")],
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Pull requests (`gh pr list --state all --json …` or GitHub REST pulls JSON)."""
    from ..importing import import_pull_requests

    _emit(_run(workspace, lambda ctx: import_pull_requests(ctx, file, repo=repo)), fmt, as_json)


@app.command("tasks")
def tasks(
    file: FileArgument,
    repo: RepoOption = None,
    line: LineOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Tasks (Jira CSV export, or `gh issue list --state closed --json …` output)."""
    from ..importing import import_tasks

    _emit(_run(workspace, lambda ctx: import_tasks(ctx, file, repo=repo, line=line)), fmt, as_json)


@app.command("deployments")
def deployments(
    file: FileArgument,
    repo: RepoOption = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Deployments (CSV or JSON: repository, sha, deployed_at, status, environment, id)."""
    from ..importing import import_deployments

    _emit(_run(workspace, lambda ctx: import_deployments(ctx, file, repo=repo)), fmt, as_json)
