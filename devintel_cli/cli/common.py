"""What every command shares: the output options, opening the workspace, writing results,
warnings and progress to the right stream. The only place besides ``app`` that knows about
TTYs and environment variables."""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..render import Format
    from ..workspace import Context

P = ParamSpec("P")
R = TypeVar("R")


def read_command(command: Callable[P, R]) -> Callable[P, R]:
    """A read command runs without CPython's cyclic garbage collector.

    A read builds a few hundred thousand objects (rows, parsed JSON, metric inputs) that
    all live until it prints. The collector walks them at every 700 allocations, and walks
    them again as they age; none of them is garbage. On the 1M-commit database that is
    ~225 young and 20 older collections, 60–90 ms of a ~1 s `risk`. It buys back no
    memory: peak RSS measured 47 MB without the collector against 52 MB with it. The
    garbage cycles a collection finds when the command ends are the imports' own, the
    same ~500 objects for `risk`, `benchmarks` and `scorecard`. Reference counting still
    frees everything else. Every command that only reads wears it (and insights, whose
    one write is a few IDs); writers (sync, import, demo, alerts check) keep the
    collector: they can run for minutes over unbounded input."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return run


FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table, json, csv or markdown.",
        case_sensitive=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace ID or name (default: $DEVINTEL_WORKSPACE, else the default one).",
    ),
]
LineOption = Annotated[str | None, typer.Option("--line", help="Service line ID or name.")]


def output_format(fmt: str, as_json: bool) -> Format:
    from ..errors import UsageError
    from ..render import Format

    if as_json:
        return Format.JSON
    try:
        return Format(fmt.lower())
    except ValueError:
        raise UsageError(f"unknown format {fmt!r}: use table, json, csv or markdown") from None


@contextmanager
def workspace_context(workspace: str | None) -> Iterator[Context]:
    from ..workspace import open_context

    ctx = open_context(workspace, on_upgrade=_upgrade_notice)
    try:
        yield ctx
    finally:
        ctx.close()


def use_color(stream=None) -> bool:  # type: ignore[no-untyped-def]
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


def emit(text: str) -> None:
    """Write a result to stdout (and only results go there)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def emit_items(
    items: Sequence[BaseModel],
    fmt: Format,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    from ..render import render_items

    emit(render_items(items, fmt, columns=columns, title=title, color=use_color()))


def warn(message: str) -> None:
    sys.stderr.write(f"devintel: warning: {message}\n")


def _upgrade_notice(old: int, new: int) -> None:
    """Before the first command of a new devintel migrates an existing database: a large
    history can take seconds (docs/schema.md), which should not pass for a hang."""
    sys.stderr.write(
        f"devintel: upgrading the database from schema {old} to {new} (once; on a large"
        " history this can take a minute)\n"
    )
    sys.stderr.flush()


def info(message: str) -> None:
    sys.stderr.write(f"{message}\n")


@contextmanager
def progress_reporter(label: str) -> Iterator:
    """A progress bar on stderr when it is a terminal; otherwise nothing (cron, CI, pipes)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(file=sys.stderr)
    with Progress(
        TextColumn("{task.description}", markup=False),  # a repository name is data
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(phase: str, done: int, total: int | None) -> None:
            bar.update(task, description=f"{label}: {phase}", completed=done, total=total)

        yield update


RepoOption = Annotated[str | None, typer.Option("--repo", help="Repository name, URL or path.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Compute as if it were this moment (YYYY-MM-DD = the end of that day, or an "
        "ISO-8601 time). Default: now.",
    ),
]
TzOption = Annotated[str, typer.Option("--tz", help="Time zone of the buckets, e.g. Europe/Paris.")]


def parse_moment(text: str | None, flag: str):  # type: ignore[no-untyped-def]
    """A date (``2026-01-05``) or an ISO-8601 time; naive times are UTC. None stays None."""
    from datetime import UTC, date, datetime

    from ..errors import UsageError

    if text is None:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{flag}: not a date or time: {text!r} (use YYYY-MM-DD or ISO-8601)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(text: str | None, flag: str):  # type: ignore[no-untyped-def]
    """A calendar date, ``YYYY-MM-DD`` only (``date.fromisoformat`` alone would also take
    ``20260105`` and the week date ``2026-W02-1``); None stays None."""
    import re
    from datetime import date

    from ..errors import UsageError

    if text is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:  # 2026-02-30
            pass
    raise UsageError(f"{flag}: not a date: {text!r} (use YYYY-MM-DD)")


def parse_instant(text: str | None, flag: str):  # type: ignore[no-untyped-def]
    """Like :func:`parse_moment`, but a date means its midnight (UTC): an instant."""
    from datetime import UTC, date, datetime

    moment = parse_moment(text, flag)
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return moment


def as_of_moment(text: str | None):  # type: ignore[no-untyped-def]
    """``--as-of``: the moment reports are computed at; a date means the end of that day."""
    from datetime import UTC, date, datetime, timedelta

    from ..timeutil import utc_now

    moment = parse_moment(text, "--as-of")
    if moment is None:
        return utc_now()
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC) + timedelta(days=1)
    return moment
