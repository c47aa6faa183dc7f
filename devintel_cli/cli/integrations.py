"""``devintel integrations add/list``: source-control hosts and where their tokens are."""


from pathlib import Path
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
    help="Source-control hosts and how to authenticate to them.", no_args_is_help=True
)


@app.command("add")
def add(
    host: Annotated[str, typer.Argument(help="Host name, e.g. github.com or git.example.org.")],
    token_env: Annotated[
        str | None,
        typer.Option(help="NAME of the environment variable holding the token (read at use)."),
    ] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="File holding the token (read at use, never copied).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="github, gitlab or generic (guessed from the host).")
    ] = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Register a host. Tokens are never accepted as values: name a variable or a file."""
    from ..models import IntegrationOut
    from ..workspace import add_integration
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        row = add_integration(ctx, host, kind=kind, token_env=token_env, token_file=token_file)
    emit_items([IntegrationOut.model_validate(row, from_attributes=True)], out)


@app.command("list")
@read_command
def list_(
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List the workspace's integrations."""
    from ..models import IntegrationOut
    from ..store.workspaces import list_integrations
    from .common import workspace_context

    out = output_format(fmt, as_json)
    with workspace_context(workspace) as ctx:
        rows = list_integrations(ctx.conn, ctx.workspace.id)
    emit_items([IntegrationOut.model_validate(r, from_attributes=True) for r in rows], out)
