"""The ``devintel`` Typer application and its single error boundary (§12 exit codes).

Command modules are registered here; each parses arguments, calls the core and renders the
result. Errors raised by the core are turned into a one-line message on stderr and the
exit code the spec names; anything unexpected is a bug: one line plus a crash report file.
"""


import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__

# Typer bundles its own Click and only re-exports some of its classes; usage errors (bad
# flags) must keep Click's own handling (exit 2), so find their base class through one
# that is public.
ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class DevintelGroup(TyperGroup):
    """Maps the core's exceptions to exit codes for every subcommand (CliRunner included)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:  # the one boundary where every error is handled
            code = handle_error(exc)
            raise typer.Exit(code) from None


def handle_error(exc: BaseException) -> int:
    import sqlite3

    from ..errors import DatabaseBusyError, DevintelError

    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        exc = DatabaseBusyError(f"database is busy: {exc}")
    if isinstance(exc, DevintelError):
        sys.stderr.write(f"devintel: error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"Tip: {exc.hint}\n")
        return exc.exit_code
    report = _write_crash_report(exc)
    sys.stderr.write(
        f"devintel: internal error: {type(exc).__name__}: {exc} (full report: {report})\n"
    )
    return 4


def _write_crash_report(exc: BaseException) -> str:
    import tempfile
    import traceback
    from datetime import UTC, datetime
    from pathlib import Path

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    text = "".join(traceback.format_exception(exc))
    body = f"devintel {__version__}\nargv: {sys.argv}\n\n{text}"
    try:
        from ..paths import state_dir

        folder = state_dir() / "crash-reports"
        folder.mkdir(parents=True, exist_ok=True)
    except Exception:
        folder = Path(tempfile.gettempdir())
    path = folder / f"devintel-crash-{stamp}.txt"
    path.write_text(body, encoding="utf-8")
    return str(path)


app = typer.Typer(
    cls=DevintelGroup,
    name="devintel",
    help="Local-first developer intelligence: DORA-style metrics, scorecards and alerts "
    "from your Git repositories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"devintel {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """devintel: DORA metrics and scorecards from Git, on your machine."""


COMPLETE_VAR = "_DEVINTEL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


@app.command("completions")
def completions(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script (the same as completions/devintel.SHELL)."""
    from ..errors import UsageError

    if shell not in SHELLS:
        raise UsageError(f"unknown shell {shell!r}: use {', '.join(SHELLS)}")
    typer.echo(completion_script(shell))


def completion_script(shell: str) -> str:
    from typer._completion_shared import get_completion_script
    from typer.completion import completion_init

    completion_init()
    return get_completion_script(prog_name="devintel", complete_var=COMPLETE_VAR, shell=shell)


def _register() -> None:
    from . import (
        alerts,
        deployments,
        imports,
        integrations,
        lines,
        metrics,
        reports,
        repos,
        setup,
        webhooks,
    )

    setup.register(app)
    metrics.register(app)
    reports.register(app)
    app.add_typer(deployments.app, name="deployments")
    app.add_typer(imports.app, name="import")
    app.add_typer(integrations.app, name="integrations")
    app.add_typer(lines.app, name="lines")
    app.add_typer(repos.app, name="repo")
    app.add_typer(alerts.app, name="alerts")
    app.add_typer(webhooks.app, name="webhooks")


_register()


def main() -> None:
    if COMPLETE_VAR in os.environ:
        # the shell asks for completions: Typer's shell classes are only registered on demand
        from typer.completion import completion_init

        completion_init()
    app(prog_name="devintel")
