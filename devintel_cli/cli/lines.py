"""``devintel lines create/list/show/delete``: service lines (a product or team's repos)."""


from typing import Annotated

import typer

from .common import (
    FormatOption,
    JsonOption,
    WorkspaceOption,
    emit_items,
    output_format,
    parse_date,
    read_command,
)

app = typer.Typer(help="Service lines: named groups of repositories.", no_args_is_help=True)

LINE_COLUMNS = ("id", "name", "sprint_days", "sprint_anchor", "task_target", "repositories")


def _line_out(ctx, row):  # type: ignore[no-untyped-def]
    from ..models import ServiceLineOut
    from ..store.repositories import list_repositories

    names = [r.name for r in list_repositories(ctx.conn, ctx.workspace.id, line_id=row.id)]
    return ServiceLineOut.model_validate(
        {**row._asdict(), "repositories": names}
    )


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Name of the line, e.g. payments.")],
    sprint_days: Annotated[int, typer.Option(help="Sprint length in days.")] = 14,
    sprint_anchor: Annotated[
        str | None,
        typer.Option(help="A date a sprint starts on, YYYY-MM-DD (default: today)."),
    ] = None,
    task_target: Annotated[int, typer.Option(help="Tasks per sprint counted as green.")] = 10,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create a service line."""
    from ..workspace import create_line
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        row = create_line(
            ctx,
            name,
            sprint_days=sprint_days,
            sprint_anchor=parse_date(sprint_anchor, "--sprint-anchor"),
            task_target=task_target,
        )
        item = _line_out(ctx, row)
    emit_items([item], out, columns=LINE_COLUMNS)


@app.command("list")
@read_command
def list_(
    fmt: FormatOption = "table", as_json: JsonOption = False, workspace: WorkspaceOption = None
) -> None:
    """List service lines with their repositories."""
    from ..store.workspaces import list_lines
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        items = [_line_out(ctx, row) for row in list_lines(ctx.conn, ctx.workspace.id)]
    emit_items(items, out, columns=LINE_COLUMNS)


@app.command("show")
@read_command
def show(
    line: Annotated[str, typer.Argument(help="Line ID or name.")],
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Show one service line."""
    from ..workspace import get_line
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        item = _line_out(ctx, get_line(ctx, line))
    emit_items([item], out)


@app.command("delete")
def delete(
    line: Annotated[str, typer.Argument(help="Line ID or name.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Delete a service line; its repositories stay, outside any line."""
    from ..workspace import delete_line
    from .common import info, workspace_context

    with workspace_context(workspace) as ctx:
        row = delete_line(ctx, line)
    info(f"deleted service line {row.id} ({row.name})")
