"""``devintel init`` and ``devintel demo``."""


from pathlib import Path
from typing import Annotated

import typer

from .common import FormatOption, JsonOption, emit_items, output_format


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("demo")(demo)


def init(
    workspace: Annotated[
        str | None,
        typer.Option("--workspace", "-w", help="Also create a workspace with this name."),
    ] = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Create the state directory, the database and the default workspace."""
    from .. import paths
    from ..models import WorkspaceOut
    from ..store.db import connect
    from ..store.workspaces import list_workspaces
    from ..workspace import create_workspace, ensure_default_workspace
    from .common import info

    out = output_format(fmt, as_json)
    root = paths.state_dir()
    conn = connect(paths.database_path(root))
    try:
        ensure_default_workspace(conn)
        if workspace:
            create_workspace(conn, workspace)
        rows = list_workspaces(conn)
    finally:
        conn.close()
    info(f"state directory: {root}")
    emit_items([WorkspaceOut.model_validate(r, from_attributes=True) for r in rows], out)


def demo(
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="State directory for the demo (default: a new temporary one)."),
    ] = None,
    fmt: FormatOption = "table",
    as_json: JsonOption = False,
) -> None:
    """Build realistic demo repositories offline and report on them — never touches your state."""
    from ..demo import run_demo
    from ..render import Format, to_json
    from ..render.reports import scorecard_markdown, scorecard_table
    from .common import emit, info, use_color

    out = output_format(fmt, as_json)
    report = run_demo(directory)
    info(f"demo state directory: {report.state_dir}")
    info(
        f"explore it: DEVINTEL_HOME={report.state_dir} devintel scorecard --window 84d"
        " (or health, benchmarks, risk, insights)"
    )
    if out is Format.JSON:
        emit(
            to_json(
                {
                    "repositories": [r.model_dump(mode="json") for r in report.repositories],
                    "scorecard": report.scorecard.model_dump(mode="json"),
                }
            )
        )
        return
    emit_items(
        report.repositories,
        out,
        title="Repositories",
        columns=(
            "repository",
            "service_line_id",
            "commits",
            "merges",
            "additions",
            "deletions",
            "tags",
            "deployments",
            "last_commit_at",
        ),
    )
    if out is Format.MARKDOWN:
        emit(scorecard_markdown(report.scorecard))
    else:
        emit(scorecard_table(report.scorecard, color=use_color()))
